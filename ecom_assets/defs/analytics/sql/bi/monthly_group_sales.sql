-- bi.monthly_category_sales / bi.monthly_brand_sales: recognized sales by calendar month and the
-- current category or brand of each product (items of unknown products left out, as in
-- category_metrics), from the state analytics/category_metrics and brand_metrics keep in ops: a
-- month of one group is one row, so a dashboard reads it in milliseconds where summing the
-- month's order items takes hundreds. The group column and the state table are filled in by
-- defs/analytics/bi.py (psycopg.sql identifiers).
SELECT month,
       {group},
       units_sold,
       orders,
       net_revenue,
       cogs,
       gross_profit,
       round(gross_profit / nullif(net_revenue, 0) * 100, 2) AS margin_pct
FROM {state}
