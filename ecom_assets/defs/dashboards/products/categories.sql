-- Revenue, margin and stock by category. Days of supply as METRICS.md defines it for a product
-- (average on hand / average units sold per day of the loaded period), here over the category.
WITH period AS (
    SELECT (SELECT as_of FROM ops.run_context) - min(sales_date) + 1 AS days
    FROM analytics.daily_sales
)
SELECT c.category, c.units_sold, c.orders, c.net_revenue, c.gross_profit, c.margin_pct, c.products,
       c.avg_on_hand_units, c.inventory_turnover,
       round(c.avg_on_hand_units / nullif(c.units_sold::numeric / nullif(p.days, 0), 0), 2) AS days_of_supply
FROM analytics.category_metrics AS c
CROSS JOIN period AS p
ORDER BY c.net_revenue DESC, c.category;
