-- What are the top customer segments by lifetime value? (METRICS.md question 2)
-- Each segment's customers, buyers, lifetime value and its shares of customers and revenue,
-- highest total lifetime value first (ties by segment).
SELECT row_number() OVER (ORDER BY total_lifetime_value DESC, customer_segment) AS ltv_rank,
       customer_segment,
       customers,
       buyers,
       total_lifetime_value,
       avg_lifetime_value,
       share_of_customers_pct,
       share_of_revenue_pct,
       high_churn_risk,
       medium_churn_risk,
       low_churn_risk,
       no_purchase
FROM analytics.segment_metrics
ORDER BY ltv_rank
