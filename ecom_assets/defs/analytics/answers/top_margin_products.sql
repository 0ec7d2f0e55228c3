-- Which products have the highest profit margins? (METRICS.md question 1)
-- Products with at least 5 units sold, by margin_pct, ties by product_id (never by name);
-- margin_rank 1..10 is the top 10.
SELECT row_number() OVER (ORDER BY margin_pct DESC, product_id) AS margin_rank,
       product_id,
       product_name,
       category,
       brand,
       units_sold,
       net_revenue,
       gross_profit,
       margin_pct
FROM analytics.product_metrics
WHERE units_sold >= 5
  AND margin_pct IS NOT NULL
ORDER BY margin_rank
