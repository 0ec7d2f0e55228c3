-- Registrations and first purchases per month and segment, with 0 for a month without any,
-- so the lines do not skip months (the page filters by segment and sums).
WITH events AS (
    SELECT customer_segment, date_trunc('month', registration_date)::date AS month, 'Registrations' AS measure
    FROM analytics.customer_metrics
    WHERE registration_date IS NOT NULL
    UNION ALL
    SELECT customer_segment, date_trunc('month', first_order_date)::date, 'First purchases'
    FROM analytics.customer_metrics
    WHERE first_order_date IS NOT NULL
),
months AS (
    SELECT generate_series(min(month), max(month), interval '1 month')::date AS month FROM events
),
grid AS (
    SELECT s.customer_segment, m.month, x.measure
    FROM (SELECT DISTINCT customer_segment FROM events) AS s
    CROSS JOIN months AS m
    CROSS JOIN (VALUES ('Registrations'), ('First purchases')) AS x (measure)
)
SELECT g.customer_segment, g.month, g.measure, count(e.month) AS customers
FROM grid AS g
LEFT JOIN events AS e
    ON e.customer_segment IS NOT DISTINCT FROM g.customer_segment
   AND e.month = g.month
   AND e.measure = g.measure
GROUP BY g.customer_segment, g.month, g.measure
ORDER BY g.month, g.measure, g.customer_segment;
