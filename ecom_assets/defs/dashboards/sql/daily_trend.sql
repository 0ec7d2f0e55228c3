-- Daily net revenue: the overview strip whose brush picks the date range of the trend.
SELECT sales_date, orders, net_revenue, gross_profit
FROM analytics.daily_sales
ORDER BY sales_date;
