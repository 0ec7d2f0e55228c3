-- One point per product that sold: margin % against units sold.
SELECT product_id, product_name, category, brand, units_sold, net_revenue, gross_profit, margin_pct
FROM analytics.product_metrics
WHERE units_sold > 0 AND margin_pct IS NOT NULL
ORDER BY product_id;
