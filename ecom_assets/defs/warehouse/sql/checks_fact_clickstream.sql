-- Checks of fact_clickstream over the window [%(start)s, %(end)s): one row of counts.
-- Anonymous events carry NULL keys: they resolve to nothing by design and are not counted.
-- One pass over the window's facts, each joined once to its customer and product versions (their
-- primary keys), and one over the staged rows.
WITH facts AS (
    SELECT
        count(*) AS fact_rows,
        count(*) FILTER (
            WHERE (f.customer_sk IS NOT NULL AND c.customer_sk IS NULL)
               OR (f.product_sk IS NOT NULL AND p.product_sk IS NULL)
        ) AS unresolved_keys,
        count(*) FILTER (WHERE f.customer_sk = -1) AS unknown_customers,
        count(*) FILTER (WHERE f.product_sk = -1) AS unknown_products,
        count(*) FILTER (WHERE f.duration_seconds < 0) AS negative_values
    FROM warehouse.fact_clickstream f
    LEFT JOIN warehouse.dim_customers c ON c.customer_sk = f.customer_sk
    LEFT JOIN warehouse.dim_products p ON p.product_sk = f.product_sk
    WHERE f.event_date >= %(start)s AND f.event_date < %(end)s
), staged AS (
    SELECT count(*) AS staged_rows, count(DISTINCT event_id) AS staged_keys
    FROM staging.clickstream
    WHERE _day >= %(start)s AND _day < %(end)s
)
SELECT facts.fact_rows, staged.staged_rows, staged.staged_keys, facts.unresolved_keys,
       facts.unknown_customers, facts.unknown_products, facts.negative_values
FROM facts, staged;
