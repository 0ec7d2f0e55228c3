-- Checks of fact_clickstream over the window [%(start)s, %(end)s): one row of counts.
-- Anonymous events carry NULL keys: they resolve to nothing by design and are not counted.
WITH f AS (
    SELECT * FROM warehouse.fact_clickstream
    WHERE event_date >= %(start)s AND event_date < %(end)s
)
SELECT
    (SELECT count(*) FROM f) AS fact_rows,
    (SELECT count(*) FROM staging.clickstream
      WHERE _day >= %(start)s AND _day < %(end)s) AS staged_rows,
    (SELECT count(DISTINCT event_id) FROM staging.clickstream
      WHERE _day >= %(start)s AND _day < %(end)s) AS staged_keys,
    (SELECT count(*) FROM f
      WHERE (customer_sk IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM warehouse.dim_customers c WHERE c.customer_sk = f.customer_sk))
         OR (product_sk IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM warehouse.dim_products p WHERE p.product_sk = f.product_sk)))
        AS unresolved_keys,
    (SELECT count(*) FROM f WHERE customer_sk = -1) AS unknown_customers,
    (SELECT count(*) FROM f WHERE product_sk = -1) AS unknown_products,
    (SELECT count(*) FROM f WHERE duration_seconds < 0) AS negative_values;
