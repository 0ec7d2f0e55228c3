-- What the analytics tables must add up to: recognized net revenue in the facts, and the part
-- of it whose customer or product has no dimension row (unknown member), which the
-- one-row-per-customer/product tables cannot hold.

WITH customers AS (
    SELECT customer_id FROM warehouse.dim_customers WHERE is_current AND customer_id <> 'UNKNOWN'
),
products AS (
    SELECT product_id FROM warehouse.dim_products WHERE is_current AND product_id <> 'UNKNOWN'
),
orders AS (
    SELECT coalesce(sum(o.net_revenue), 0)                                        AS order_net_revenue,
           count(*)                                                               AS recognized_orders,
           coalesce(sum(o.net_revenue) FILTER (WHERE c.customer_id IS NULL), 0)   AS unknown_customer_net_revenue,
           count(*) FILTER (WHERE c.customer_id IS NULL)                          AS unknown_customer_orders
    FROM warehouse.fact_orders o
    LEFT JOIN customers c ON c.customer_id = o.customer_id
    WHERE o.is_recognized
),
items AS (
    SELECT coalesce(sum(i.net_revenue), 0)                                        AS item_net_revenue,
           coalesce(sum(i.net_revenue) FILTER (WHERE p.product_id IS NULL), 0)    AS unknown_product_net_revenue,
           count(*) FILTER (WHERE p.product_id IS NULL)                           AS unknown_product_items
    FROM warehouse.fact_order_items i
    LEFT JOIN products p ON p.product_id = i.product_id
    WHERE i.is_recognized
)
SELECT * FROM orders CROSS JOIN items;
