-- Margin percent against units sold for the %(scatter_points)s best-selling products (most units, then
-- most net revenue, then product_id), so the scatter stays readable and its size does not grow
-- with the catalogue; products_sold counts every product that sold, for the chart's caption.
SELECT product_id, product_name, category, brand, units_sold, net_revenue, gross_profit, margin_pct,
       count(*) OVER () AS products_sold
FROM analytics.product_metrics
WHERE units_sold > 0 AND margin_pct IS NOT NULL
ORDER BY units_sold DESC, net_revenue DESC, product_id
LIMIT %(scatter_points)s;
