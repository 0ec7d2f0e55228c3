-- Customers per acquisition bucket and segment.
SELECT customer_segment, acquisition_bucket, count(*) AS customers
FROM analytics.customer_metrics
GROUP BY 1, 2
ORDER BY 2, 1;
