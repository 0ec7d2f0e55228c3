-- Customers per acquisition bucket and segment (from the counts kept with customer_metrics,
-- ops.customer_counts: a few rows instead of counting every customer).
SELECT customer_segment, acquisition_bucket, sum(customers)::bigint AS customers
FROM ops.customer_counts
WHERE kind = 'profile'
GROUP BY 1, 2
ORDER BY 2, 1;
