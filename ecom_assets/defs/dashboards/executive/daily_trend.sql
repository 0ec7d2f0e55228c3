-- Net revenue for the overview strip whose brush picks the date range of the monthly trend: per
-- day while the loaded period spans at most %(strip_points)s days, else per ISO week (Monday), else
-- per month, so the strip holds at most that many points however long the history grows.
WITH span AS (
    SELECT max(sales_date) - min(sales_date) + 1 AS days FROM analytics.daily_sales
),
grain AS (
    SELECT CASE
               WHEN days <= %(strip_points)s THEN 'day'
               WHEN days <= 7 * %(strip_points)s THEN 'week'
               ELSE 'month'
           END AS grain
    FROM span
)
SELECT date_trunc(g.grain, d.sales_date)::date AS sales_date, g.grain,
       sum(d.orders) AS orders, sum(d.net_revenue) AS net_revenue, sum(d.gross_profit) AS gross_profit
FROM analytics.daily_sales AS d
CROSS JOIN grain AS g
GROUP BY 1, 2
ORDER BY 1;
