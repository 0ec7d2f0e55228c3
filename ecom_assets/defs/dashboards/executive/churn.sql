-- Churn risk distribution in a fixed order; a level nobody is in still shows as 0 (from the
-- counts kept with customer_metrics, ops.customer_counts: counting every customer cost 0.1-0.2 s
-- at scale 100).
SELECT levels.churn_risk, levels.sort_order, coalesce(c.customers, 0) AS customers
FROM (VALUES ('Low', 1), ('Medium', 2), ('High', 3), ('No purchase', 4)) AS levels (churn_risk, sort_order)
LEFT JOIN (
    SELECT churn_risk, sum(customers)::bigint AS customers
    FROM ops.customer_counts WHERE kind = 'profile' GROUP BY churn_risk
) AS c ON c.churn_risk = levels.churn_risk
ORDER BY levels.sort_order;
