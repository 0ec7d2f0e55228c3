-- Top 10 products by margin_pct among those with at least %(min_units)s units sold; ties by product_id.
SELECT product_id, product_name, category, brand, units_sold, net_revenue, gross_profit, margin_pct
FROM analytics.product_metrics
WHERE units_sold >= %(min_units)s AND margin_pct IS NOT NULL
ORDER BY margin_pct DESC, product_id
LIMIT 10;
