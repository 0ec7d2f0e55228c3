-- ops.customer_counts: customers counted by the attributes the customer dashboards chart, so a
-- dashboard (or a BI tool, through bi.customer_counts) reads a few thousand rows instead of
-- counting the 250k rows of analytics.customer_metrics at scale 100 (100-500 ms a query:
-- docs/BENCHMARKS.md). Rebuilt whole by every customer_metrics build, after its as-of date is
-- recorded (TableSpec.after), from the view itself: the counts and the table cannot disagree.
--   kind 'profile'                 by segment, acquisition bucket and churn risk;
--   kind 'registration_month'      by segment and month of registration (month empty: no date);
--   kind 'first_order_month'       by segment and month of the first recognized order (empty: no order);
--   kind 'days_to_first_purchase'  by segment and days from registration to first purchase.
TRUNCATE ops.customer_counts;

INSERT INTO ops.customer_counts
SELECT CASE WHEN GROUPING(acquisition_bucket) = 0 THEN 'profile'
            WHEN GROUPING(registration_month) = 0 THEN 'registration_month'
            WHEN GROUPING(first_order_month) = 0 THEN 'first_order_month'
            ELSE 'days_to_first_purchase' END,
       customer_segment,
       acquisition_bucket,
       churn_risk,
       coalesce(registration_month, first_order_month),
       days_to_first_purchase,
       count(*)
FROM (SELECT customer_segment, acquisition_bucket, churn_risk, days_to_first_purchase,
             date_trunc('month', registration_date)::date AS registration_month,
             date_trunc('month', first_order_date)::date AS first_order_month
      FROM analytics.customer_metrics) c
GROUP BY GROUPING SETS ((customer_segment, acquisition_bucket, churn_risk),
                        (customer_segment, registration_month),
                        (customer_segment, first_order_month),
                        (customer_segment, days_to_first_purchase));
