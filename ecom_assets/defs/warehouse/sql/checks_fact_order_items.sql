-- Checks of fact_order_items over the window [%(start)s, %(end)s): one row of counts.
WITH f AS (
    SELECT * FROM warehouse.fact_order_items
    WHERE order_date >= %(start)s AND order_date < %(end)s
)
SELECT
    (SELECT count(*) FROM f) AS fact_rows,
    (SELECT count(*) FROM staging.order_items
      WHERE _day >= %(start)s AND _day < %(end)s) AS staged_rows,
    (SELECT count(DISTINCT order_item_id) FROM staging.order_items
      WHERE _day >= %(start)s AND _day < %(end)s) AS staged_keys,
    (SELECT count(*) FROM f
      WHERE NOT EXISTS (SELECT 1 FROM warehouse.dim_customers c WHERE c.customer_sk = f.customer_sk)
         OR NOT EXISTS (SELECT 1 FROM warehouse.dim_products p WHERE p.product_sk = f.product_sk))
        AS unresolved_keys,
    (SELECT count(*) FROM f WHERE customer_sk = -1) AS unknown_customers,
    (SELECT count(*) FROM f WHERE product_sk = -1) AS unknown_products,
    (SELECT count(*) FROM f
      WHERE NOT EXISTS (SELECT 1 FROM staging.orders o
                        WHERE o.order_id = f.order_id AND o._day = f.order_date)) AS items_without_order,
    (SELECT count(*) FROM f
      WHERE quantity < 0 OR unit_price < 0 OR total_price < 0 OR unit_cost < 0)
        AS negative_values;
