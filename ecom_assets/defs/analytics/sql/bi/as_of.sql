-- bi.as_of: one row, the as-of date of the data (the last loaded day, ops.run_context) and the
-- first order day of the loaded period (analytics.daily_sales starts there).
SELECT r.as_of                                AS as_of_date,
       to_char(r.as_of, 'YYYYMMDD')::integer  AS as_of_date_key,
       date_trunc('month', r.as_of)::date     AS as_of_month,
       (SELECT min(sales_date) FROM analytics.daily_sales) AS first_order_date
FROM ops.run_context r
