-- The 15 brands with the most net revenue.
SELECT brand, units_sold, orders, net_revenue, gross_profit, margin_pct, products
FROM analytics.brand_metrics
ORDER BY net_revenue DESC, brand
LIMIT 15;
