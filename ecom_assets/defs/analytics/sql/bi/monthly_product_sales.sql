-- bi.monthly_product_sales: recognized sales of each product (natural key, every version) by
-- calendar month, from the state analytics/product_metrics keeps (ops.product_month).
SELECT month,
       product_id,
       units_sold,
       orders,
       net_revenue,
       cogs,
       gross_profit,
       round(gross_profit / nullif(net_revenue, 0) * 100, 2) AS margin_pct
FROM ops.product_month
