-- analytics.monthly_sales: the daily figures by calendar month, with month-over-month growth.
-- Distinct customers do not add up over days, so this reads the fact, not daily_sales.

CREATE TABLE IF NOT EXISTS analytics.monthly_sales (
    month                   date          PRIMARY KEY,
    orders                  bigint        NOT NULL,
    net_revenue             numeric(14,2) NOT NULL,
    gross_profit            numeric(14,2) NOT NULL,
    avg_order_value         numeric(14,2),
    unique_customers        bigint        NOT NULL,
    new_customers           bigint        NOT NULL,
    cancelled_orders        bigint        NOT NULL,
    items_sold              bigint        NOT NULL,
    net_revenue_growth_pct  numeric(10,2)
);

TRUNCATE analytics.monthly_sales;

INSERT INTO analytics.monthly_sales
WITH months AS (
    SELECT m::date AS month
    FROM generate_series(
        date_trunc('month', (SELECT min(order_date) FROM warehouse.fact_orders)),
        date_trunc('month', (SELECT as_of FROM ops.run_context)),
        interval '1 month') AS m
),
by_month AS (
    SELECT date_trunc('month', order_date)::date AS month,
           count(*) FILTER (WHERE is_recognized)                     AS orders,
           coalesce(sum(net_revenue) FILTER (WHERE is_recognized), 0)  AS net_revenue,
           coalesce(sum(gross_profit) FILTER (WHERE is_recognized), 0) AS gross_profit,
           count(DISTINCT customer_id) FILTER (WHERE is_recognized)    AS unique_customers,
           count(*) FILTER (WHERE NOT is_recognized)                   AS cancelled_orders,
           coalesce(sum(units) FILTER (WHERE is_recognized), 0)        AS items_sold
    FROM warehouse.fact_orders
    WHERE order_date <= (SELECT as_of FROM ops.run_context)
    GROUP BY 1
),
first_orders AS (
    SELECT date_trunc('month', first_day)::date AS month, count(*) AS new_customers
    FROM (SELECT customer_id, min(order_date) AS first_day
          FROM warehouse.fact_orders WHERE is_recognized GROUP BY customer_id) f
    GROUP BY 1
),
filled AS (
    SELECT m.month,
           coalesce(b.orders, 0)           AS orders,
           coalesce(b.net_revenue, 0)      AS net_revenue,
           coalesce(b.gross_profit, 0)     AS gross_profit,
           coalesce(b.unique_customers, 0) AS unique_customers,
           coalesce(f.new_customers, 0)    AS new_customers,
           coalesce(b.cancelled_orders, 0) AS cancelled_orders,
           coalesce(b.items_sold, 0)       AS items_sold
    FROM months m
    LEFT JOIN by_month b ON b.month = m.month
    LEFT JOIN first_orders f ON f.month = m.month
)
SELECT month,
       orders,
       round(net_revenue, 2),
       round(gross_profit, 2),
       CASE WHEN orders > 0 THEN round(net_revenue / orders, 2) END,
       unique_customers,
       new_customers,
       cancelled_orders,
       items_sold,
       round((net_revenue - lag(net_revenue) OVER w) / nullif(lag(net_revenue) OVER w, 0) * 100, 2)
FROM filled
WINDOW w AS (ORDER BY month)
ORDER BY month;
