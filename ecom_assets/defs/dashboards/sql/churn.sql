-- Churn risk distribution in a fixed order; a level nobody is in still shows as 0.
SELECT levels.churn_risk, levels.sort_order, count(c.customer_id) AS customers
FROM (VALUES ('Low', 1), ('Medium', 2), ('High', 3), ('No purchase', 4)) AS levels (churn_risk, sort_order)
LEFT JOIN analytics.customer_metrics AS c ON c.churn_risk = levels.churn_risk
GROUP BY levels.churn_risk, levels.sort_order
ORDER BY levels.sort_order;
