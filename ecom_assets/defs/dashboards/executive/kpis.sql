-- Executive KPI tiles. Revenue, profit and orders count recognized orders only (METRICS.md),
-- so they are sums of analytics.daily_sales; customers are buyers (at least one recognized order),
-- from the counts kept with customer_metrics (ops.customer_counts).
SELECT
    (SELECT as_of FROM ops.run_context)                       AS as_of,
    coalesce(sum(d.net_revenue), 0)::numeric(14, 2)           AS net_revenue,
    coalesce(sum(d.gross_profit), 0)::numeric(14, 2)          AS gross_profit,
    coalesce(sum(d.orders), 0)::bigint                        AS orders,
    round(sum(d.net_revenue) / nullif(sum(d.orders), 0), 2)   AS avg_order_value,
    (SELECT coalesce(sum(customers), 0)::bigint FROM ops.customer_counts
     WHERE kind = 'profile' AND churn_risk <> 'No purchase')  AS customers,
    (SELECT coalesce(sum(customers), 0)::bigint FROM ops.customer_counts
     WHERE kind = 'profile')                                  AS registered_customers,
    min(d.sales_date)                                         AS first_sales_date
FROM analytics.daily_sales AS d;
