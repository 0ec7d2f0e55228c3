-- Recompute the stale days (%(days)s; %(all)s when that is every ledgered day) of
-- ops.fact_day_totals from their fact rows, with the definitions of fact_totals.sql; a day gone
-- from the ledger is only deleted. Keep the two files' definitions in step (the tests compare
-- the cached sums with the full scan).

DELETE FROM ops.fact_day_totals WHERE day = ANY(%(days)s);

WITH ledger AS (
    SELECT coalesce(o.day, i.day) AS day, o.build_id AS orders_build_id, i.build_id AS items_build_id
    FROM (SELECT day, build_id FROM ops.fact_builds WHERE table_name = 'fact_orders') o
    FULL JOIN (SELECT day, build_id FROM ops.fact_builds WHERE table_name = 'fact_order_items') i
      ON i.day = o.day
),
customers AS (
    SELECT customer_id FROM warehouse.dim_customers WHERE is_current AND customer_id <> 'UNKNOWN'
),
products AS (
    SELECT product_id FROM warehouse.dim_products WHERE is_current AND product_id <> 'UNKNOWN'
),
orders AS (
    SELECT o.order_date                                                            AS day,
           coalesce(sum(o.net_revenue), 0)                                         AS order_net_revenue,
           count(*)                                                                AS recognized_orders,
           coalesce(sum(o.net_revenue) FILTER (WHERE c.customer_id IS NULL), 0)    AS unknown_customer_net_revenue,
           count(*) FILTER (WHERE c.customer_id IS NULL)                           AS unknown_customer_orders
    FROM warehouse.fact_orders o
    LEFT JOIN customers c ON c.customer_id = o.customer_id
    WHERE o.is_recognized AND (%(all)s OR o.order_date = ANY(%(days)s))
    GROUP BY o.order_date
),
items AS (
    SELECT i.order_date                                                            AS day,
           coalesce(sum(i.net_revenue), 0)                                         AS item_net_revenue,
           coalesce(sum(i.net_revenue) FILTER (WHERE p.product_id IS NULL), 0)     AS unknown_product_net_revenue,
           count(*) FILTER (WHERE p.product_id IS NULL)                            AS unknown_product_items
    FROM warehouse.fact_order_items i
    LEFT JOIN products p ON p.product_id = i.product_id
    WHERE i.is_recognized AND (%(all)s OR i.order_date = ANY(%(days)s))
    GROUP BY i.order_date
)
INSERT INTO ops.fact_day_totals
    (day, orders_build_id, items_build_id, marker, order_net_revenue, recognized_orders,
     unknown_customer_net_revenue, unknown_customer_orders, item_net_revenue,
     unknown_product_net_revenue, unknown_product_items)
SELECT l.day, l.orders_build_id, l.items_build_id, %(marker)s,
       coalesce(o.order_net_revenue, 0), coalesce(o.recognized_orders, 0),
       coalesce(o.unknown_customer_net_revenue, 0), coalesce(o.unknown_customer_orders, 0),
       coalesce(i.item_net_revenue, 0), coalesce(i.unknown_product_net_revenue, 0),
       coalesce(i.unknown_product_items, 0)
FROM ledger l
LEFT JOIN orders o ON o.day = l.day
LEFT JOIN items i ON i.day = l.day
WHERE l.day = ANY(%(days)s);
