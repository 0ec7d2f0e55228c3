-- bi.segment_churn: customers by current segment and churn risk (12 rows), from
-- analytics.segment_metrics: what a dashboard's "churn by segment" needs without counting every
-- customer_metrics row.
SELECT s.customer_segment,
       r.churn_risk,
       r.customers,
       round(r.customers * 100.0 / nullif(s.customers, 0), 2) AS share_of_segment_pct
FROM analytics.segment_metrics s
CROSS JOIN LATERAL (
    VALUES ('High', s.high_churn_risk),
           ('Medium', s.medium_churn_risk),
           ('Low', s.low_churn_risk),
           ('No purchase', s.no_purchase)
) AS r (churn_risk, customers)
