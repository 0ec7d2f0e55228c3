-- Monthly net revenue and gross profit trend.
SELECT month, orders, net_revenue, gross_profit, avg_order_value
FROM analytics.monthly_sales
ORDER BY month;
