-- analytics.monthly_sales: the daily figures by calendar month, with month-over-month growth.
-- Distinct customers do not add up over days, so this reads the fact, not daily_sales.
--
-- Incremental (TableSpec facts: fact_orders; %(months)s = the months of the fact days changed
-- since the last build): deleted and recomputed from the facts are the changed months, the
-- months outside [first order month, as-of month], and the months of the previous and the
-- current as-of date (a month's figures stop at the as-of date; the previous as-of month is the
-- last row of the table). A full build deletes every row first, so it computes every month.
-- new_customers (ops.customer_first_days, as in daily_sales: from ops.customer_totals when
-- customer_metrics has seen the same fact builds, else from the facts) and the growth are then
-- set for every month.

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

DELETE FROM analytics.monthly_sales
WHERE %(full)s
   OR month = ANY(%(months)s::date[])
   OR month = date_trunc('month', %(as_of)s::date)
   OR month = (SELECT max(month) FROM analytics.monthly_sales)
   OR month NOT BETWEEN coalesce(date_trunc('month', (SELECT min(order_date) FROM warehouse.fact_orders))::date,
                                 'infinity')
                    AND date_trunc('month', %(as_of)s::date)::date;

INSERT INTO analytics.monthly_sales
WITH months AS (
    SELECT m::date AS month
    FROM generate_series(
        date_trunc('month', (SELECT min(order_date) FROM warehouse.fact_orders)),
        date_trunc('month', %(as_of)s::date),
        interval '1 month') AS m
    WHERE NOT EXISTS (SELECT 1 FROM analytics.monthly_sales s WHERE s.month = m::date)
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
    WHERE order_date <= %(as_of)s::date
      AND (%(full)s
           OR (order_date >= (SELECT min(month) FROM months)
               AND order_date < (SELECT (max(month) + interval '1 month')::date FROM months)
               AND date_trunc('month', order_date)::date = ANY(ARRAY(SELECT month FROM months))))
    GROUP BY 1
)
SELECT m.month,
       coalesce(b.orders, 0),
       round(coalesce(b.net_revenue, 0), 2),
       round(coalesce(b.gross_profit, 0), 2),
       CASE WHEN b.orders > 0 THEN round(b.net_revenue / b.orders, 2) END,
       coalesce(b.unique_customers, 0),
       0,
       coalesce(b.cancelled_orders, 0),
       coalesce(b.items_sold, 0),
       NULL
FROM months m
LEFT JOIN by_month b ON b.month = m.month
ORDER BY m.month;

-- new_customers of every month: customers whose first recognized order falls in it.
WITH first_orders AS (
    SELECT date_trunc('month', first_day)::date AS month, sum(customers)::bigint AS new_customers
    FROM ops.customer_first_days(%(full)s)
    GROUP BY 1
),
target AS (
    SELECT s.month, coalesce(f.new_customers, 0) AS new_customers
    FROM analytics.monthly_sales s
    LEFT JOIN first_orders f ON f.month = s.month
)
UPDATE analytics.monthly_sales s
SET new_customers = t.new_customers
FROM target t
WHERE t.month = s.month AND s.new_customers <> t.new_customers;

-- Month-over-month net revenue growth of every month (net_revenue holds the exact sum: the
-- facts' amounts have two decimals).
WITH growth AS (
    SELECT month,
           round((net_revenue - lag(net_revenue) OVER w) / nullif(lag(net_revenue) OVER w, 0) * 100, 2)
               AS pct
    FROM analytics.monthly_sales
    WINDOW w AS (ORDER BY month)
)
UPDATE analytics.monthly_sales s
SET net_revenue_growth_pct = g.pct
FROM growth g
WHERE g.month = s.month AND s.net_revenue_growth_pct IS DISTINCT FROM g.pct;
