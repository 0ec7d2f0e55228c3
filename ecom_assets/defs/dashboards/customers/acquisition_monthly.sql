-- Registrations and first purchases per month and segment, with 0 for a month without any,
-- so the lines do not skip months (the page filters by segment and sums). The counts per segment
-- and month are kept with customer_metrics (ops.customer_counts), then laid on the grid: joining
-- every customer to the grid cost 1.2-1.8 s at scale 100 (250k customers), counting them ~0.4 s,
-- reading the kept counts a few ms.
WITH counts AS (
    SELECT customer_segment, month, 'Registrations' AS measure, customers
    FROM ops.customer_counts
    WHERE kind = 'registration_month' AND month IS NOT NULL
    UNION ALL
    SELECT customer_segment, month, 'First purchases', customers
    FROM ops.customer_counts
    WHERE kind = 'first_order_month' AND month IS NOT NULL
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
