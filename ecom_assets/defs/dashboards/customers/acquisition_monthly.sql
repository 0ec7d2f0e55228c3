-- Registrations and first purchases per month and segment, with 0 for a month without any,
-- so the lines do not skip months (the page filters by segment and sums). Counted in one pass
-- over the customers first, then laid on the grid: joining every customer to the grid cost
-- 1.2-1.8 s at scale 100 (250k customers), the counts ~0.2 s.
WITH counts AS (
    SELECT customer_segment, date_trunc('month', registration_date)::date AS month,
           'Registrations' AS measure, count(*) AS customers
    FROM analytics.customer_metrics
    WHERE registration_date IS NOT NULL
    GROUP BY 1, 2
    UNION ALL
    SELECT customer_segment, date_trunc('month', first_order_date)::date, 'First purchases', count(*)
    FROM analytics.customer_metrics
    WHERE first_order_date IS NOT NULL
    GROUP BY 1, 2
),
months AS (
    SELECT generate_series(min(month), max(month), interval '1 month')::date AS month FROM counts
),
grid AS (
    SELECT s.customer_segment, m.month, x.measure
    FROM (SELECT DISTINCT customer_segment FROM counts) AS s
    CROSS JOIN months AS m
    CROSS JOIN (VALUES ('Registrations'), ('First purchases')) AS x (measure)
)
SELECT g.customer_segment, g.month, g.measure, coalesce(c.customers, 0) AS customers
FROM grid AS g
LEFT JOIN counts AS c
    ON c.customer_segment IS NOT DISTINCT FROM g.customer_segment
   AND c.month = g.month
   AND c.measure = g.measure
ORDER BY g.month, g.measure, g.customer_segment;
