-- Customer segments: customers and their lifetime value (historical CLV = net revenue).
SELECT customer_segment, customers, buyers, total_lifetime_value, avg_lifetime_value
FROM analytics.segment_metrics
ORDER BY total_lifetime_value DESC, customer_segment;
