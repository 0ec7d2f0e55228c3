-- bi.daily_product_sales: recognized sales of each product (natural key, every version) by day,
-- from the state analytics/product_metrics keeps (ops.product_day, primary key (day, product_id)):
-- a date range sums a few thousand rows a day instead of every order item of the range.
SELECT day AS sales_date,
       product_id,
       units_sold,
       orders,
       net_revenue,
       cogs,
       gross_profit
FROM ops.product_day
