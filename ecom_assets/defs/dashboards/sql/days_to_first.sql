-- Days from registration to first purchase, counted per value and segment (binned in the chart).
SELECT customer_segment, days_to_first_purchase, count(*) AS customers
FROM analytics.customer_metrics
WHERE days_to_first_purchase IS NOT NULL
GROUP BY 1, 2
ORDER BY 2, 1;
