-- analytics.segment_metrics: one row per current customer segment, from customer_metrics
-- (so a segment's lifetime value is exactly the sum of its customers').

CREATE TABLE IF NOT EXISTS analytics.segment_metrics (
    customer_segment        text          PRIMARY KEY,
    customers               bigint        NOT NULL,
    buyers                  bigint        NOT NULL,
    total_lifetime_value    numeric(14,2) NOT NULL,
    avg_lifetime_value      numeric(14,2),
    share_of_customers_pct  numeric(10,2),
    share_of_revenue_pct    numeric(10,2),
    high_churn_risk         bigint        NOT NULL,
    medium_churn_risk       bigint        NOT NULL,
    low_churn_risk          bigint        NOT NULL,
    no_purchase             bigint        NOT NULL
);

TRUNCATE analytics.segment_metrics;

INSERT INTO analytics.segment_metrics
WITH seg AS (
    SELECT customer_segment,
           count(*)                                     AS customers,
           count(*) FILTER (WHERE total_orders > 0)     AS buyers,
           sum(lifetime_value)                          AS total_lifetime_value,
           count(*) FILTER (WHERE churn_risk = 'High')        AS high_churn_risk,
           count(*) FILTER (WHERE churn_risk = 'Medium')      AS medium_churn_risk,
           count(*) FILTER (WHERE churn_risk = 'Low')         AS low_churn_risk,
           count(*) FILTER (WHERE churn_risk = 'No purchase') AS no_purchase
    FROM analytics.customer_metrics
    GROUP BY customer_segment
)
SELECT customer_segment,
       customers,
       buyers,
       round(total_lifetime_value, 2),
       round(total_lifetime_value / nullif(customers, 0), 2),
       round(customers * 100.0 / nullif(sum(customers) OVER (), 0), 2),
       round(total_lifetime_value * 100.0 / nullif(sum(total_lifetime_value) OVER (), 0), 2),
       high_churn_risk,
       medium_churn_risk,
       low_churn_risk,
       no_purchase
FROM seg
ORDER BY customer_segment;
