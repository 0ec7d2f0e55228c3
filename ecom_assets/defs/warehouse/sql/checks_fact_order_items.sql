-- Checks of fact_order_items over the window [%(start)s, %(end)s): one row of counts.
-- One pass over the window's facts, each joined once to its customer and product versions (their
-- primary keys) and to its staged order's day, and one over the staged rows.
WITH staged_orders AS (
    SELECT DISTINCT order_id, _day
    FROM staging.orders
    WHERE _day >= %(start)s AND _day < %(end)s
), facts AS (
    SELECT
        count(*) AS fact_rows,
        count(*) FILTER (WHERE c.customer_sk IS NULL OR p.product_sk IS NULL) AS unresolved_keys,
        count(*) FILTER (WHERE f.customer_sk = -1) AS unknown_customers,
        count(*) FILTER (WHERE f.product_sk = -1) AS unknown_products,
        count(*) FILTER (WHERE o.order_id IS NULL) AS items_without_order,
        count(*) FILTER (WHERE f.quantity < 0 OR f.unit_price < 0 OR f.total_price < 0 OR f.unit_cost < 0)
            AS negative_values
    FROM warehouse.fact_order_items f
    LEFT JOIN warehouse.dim_customers c ON c.customer_sk = f.customer_sk
    LEFT JOIN warehouse.dim_products p ON p.product_sk = f.product_sk
    LEFT JOIN staged_orders o ON o.order_id = f.order_id AND o._day = f.order_date
    WHERE f.order_date >= %(start)s AND f.order_date < %(end)s
), staged AS (
    SELECT count(*) AS staged_rows, count(DISTINCT order_item_id) AS staged_keys
    FROM staging.order_items
    WHERE _day >= %(start)s AND _day < %(end)s
)
SELECT facts.fact_rows, staged.staged_rows, staged.staged_keys, facts.unresolved_keys,
       facts.unknown_customers, facts.unknown_products, facts.items_without_order,
       facts.negative_values
FROM facts, staged;
