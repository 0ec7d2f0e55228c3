-- bi.customer_counts: customers counted by segment and the attributes the customer dashboards
-- chart (ops.customer_counts, rebuilt with every customer_metrics build): a few thousand rows to
-- sum instead of every customer_metrics row.
SELECT kind,
       customer_segment,
       acquisition_bucket,
       churn_risk,
       month,
       days_to_first_purchase,
       customers
FROM ops.customer_counts
