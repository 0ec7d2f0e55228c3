-- analytics.daily_sales: one row per day from the first order day to the as-of date (METRICS.md).
-- Days without orders have zeros.
--
-- Incremental (TableSpec facts: fact_orders; %(days)s = fact days changed since the last build):
-- the rows of the changed days and the rows outside [first order day, as-of date] are deleted,
-- then every day of that range without a row is computed from the facts of that day (the
-- changed days, and the days the range gained; a full build deletes every row first, so it
-- computes every day). new_customers is then set for every day from ops.customer_first_days
-- (customer_first_days.sql, shared with monthly_sales): from ops.customer_totals (one row per
-- customer: O(customers)), kept by customer_metrics, when that table has seen the same fact
-- builds as this one; otherwise (a full build, or customer_metrics not built since the facts
-- changed) from the facts.

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

DELETE FROM analytics.daily_sales
WHERE %(full)s
   OR sales_date = ANY(%(days)s::date[])
   OR sales_date NOT BETWEEN coalesce((SELECT min(order_date) FROM warehouse.fact_orders), 'infinity')
                         AND %(as_of)s::date;

INSERT INTO analytics.daily_sales
WITH days AS (
    SELECT d::date AS sales_date
    FROM generate_series(
        (SELECT min(order_date) FROM warehouse.fact_orders),
        %(as_of)s::date,
        interval '1 day') AS d
    WHERE NOT EXISTS (SELECT 1 FROM analytics.daily_sales s WHERE s.sales_date = d::date)
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
    WHERE %(full)s OR order_date = ANY(ARRAY(SELECT sales_date FROM days))
    GROUP BY order_date
)
SELECT d.sales_date,
       coalesce(b.orders, 0),
       round(coalesce(b.net_revenue, 0), 2),
       round(coalesce(b.gross_profit, 0), 2),
       CASE WHEN b.orders > 0 THEN round(b.net_revenue / b.orders, 2) END,
       coalesce(b.unique_customers, 0),
       0,
       coalesce(b.cancelled_orders, 0),
       coalesce(b.items_sold, 0)
FROM days d
LEFT JOIN by_day b ON b.order_date = d.sales_date
ORDER BY d.sales_date;

-- new_customers of every day: customers whose first recognized order falls on it.
WITH target AS (
    SELECT s.sales_date, coalesce(f.customers, 0) AS new_customers
    FROM analytics.daily_sales s
    LEFT JOIN ops.customer_first_days(%(full)s) f ON f.first_day = s.sales_date
)
UPDATE analytics.daily_sales s
SET new_customers = t.new_customers
FROM target t
WHERE t.sales_date = s.sales_date AND s.new_customers <> t.new_customers;
