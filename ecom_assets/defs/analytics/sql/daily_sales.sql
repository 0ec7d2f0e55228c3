-- analytics.daily_sales: one row per day from the first order day to the as-of date (METRICS.md).
-- Rebuilt whole inside the asset's transaction; days without orders have zeros.

CREATE TABLE IF NOT EXISTS analytics.daily_sales (
    sales_date        date          PRIMARY KEY,
    orders            bigint        NOT NULL,
    net_revenue       numeric(14,2) NOT NULL,
    gross_profit      numeric(14,2) NOT NULL,
    avg_order_value   numeric(14,2),
    unique_customers  bigint        NOT NULL,
    new_customers     bigint        NOT NULL,
    cancelled_orders  bigint        NOT NULL,
    items_sold        bigint        NOT NULL
);

TRUNCATE analytics.daily_sales;

INSERT INTO analytics.daily_sales
WITH days AS (
    SELECT d::date AS sales_date
    FROM generate_series(
        (SELECT min(order_date) FROM warehouse.fact_orders),
        (SELECT as_of FROM ops.run_context),
        interval '1 day') AS d
),
by_day AS (
    SELECT order_date,
           count(*) FILTER (WHERE is_recognized)                     AS orders,
           coalesce(sum(net_revenue) FILTER (WHERE is_recognized), 0)  AS net_revenue,
           coalesce(sum(gross_profit) FILTER (WHERE is_recognized), 0) AS gross_profit,
           count(DISTINCT customer_id) FILTER (WHERE is_recognized)    AS unique_customers,
           count(*) FILTER (WHERE NOT is_recognized)                   AS cancelled_orders,
           coalesce(sum(units) FILTER (WHERE is_recognized), 0)        AS items_sold
    FROM warehouse.fact_orders
    GROUP BY order_date
),
first_orders AS (
    SELECT first_day, count(*) AS new_customers
    FROM (SELECT customer_id, min(order_date) AS first_day
          FROM warehouse.fact_orders WHERE is_recognized GROUP BY customer_id) f
    GROUP BY first_day
)
SELECT d.sales_date,
       coalesce(b.orders, 0),
       round(coalesce(b.net_revenue, 0), 2),
       round(coalesce(b.gross_profit, 0), 2),
       CASE WHEN b.orders > 0 THEN round(b.net_revenue / b.orders, 2) END,
       coalesce(b.unique_customers, 0),
       coalesce(f.new_customers, 0),
       coalesce(b.cancelled_orders, 0),
       coalesce(b.items_sold, 0)
FROM days d
LEFT JOIN by_day b ON b.order_date = d.sales_date
LEFT JOIN first_orders f ON f.first_day = d.sales_date
ORDER BY d.sales_date;
