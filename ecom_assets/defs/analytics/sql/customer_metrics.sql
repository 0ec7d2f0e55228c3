-- analytics.customer_metrics: one row per customer (current version), buyers or not.
-- Orders are matched on the natural key, so every version of a customer counts; orders whose
-- customer has no dimension row (unknown member) are left out and reported by the checks.
--
-- Built from state in ops that a new day updates for the day's customers only (TableSpec facts:
-- fact_orders; the SQL gets %(full)s, %(days)s = the fact days changed since the last build):
--   ops.customer_day    recognized orders per customer and order day: count, net revenue,
--                       gross profit, and the day's first order (lowest order_id) and its value;
--   ops.customer_totals one row per customer_id with a recognized order in fact_orders (with or
--                       without a dimension row, as daily_sales' new_customers counts them):
--                       totals, first/last order day, first order value (earliest day, then
--                       lowest order_id: METRICS.md).
-- A full build (first build, changed SQL, missing state, full_refresh) drops and rebuilds both
-- from warehouse.fact_orders; an incremental one replaces the customer_day rows of the changed
-- days and recomputes customer_totals for the customers those rows had or have (a customer left
-- with no recognized order loses the row). The table itself is then rewritten whole from the
-- current customers, customer_totals and the as-of date: days_since_last_order moves for every
-- customer every day, and O(customers) is small next to the order history.
-- daily_sales and monthly_sales read ops.customer_totals for new_customers when this table has
-- seen the same fact builds as they do (else they read the facts).

SELECT set_config('ecom.customer_state_full', %(full)s::text, true);

DO $$
BEGIN
    IF current_setting('ecom.customer_state_full')::boolean THEN
        DROP TABLE IF EXISTS ops.customer_day;
        DROP TABLE IF EXISTS ops.customer_totals;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS ops.customer_day (
    customer_id        text    NOT NULL,
    order_date         date    NOT NULL,
    orders             bigint  NOT NULL,
    net_revenue        numeric NOT NULL,
    gross_profit       numeric NOT NULL,
    first_order_id     text    NOT NULL,
    first_order_value  numeric NOT NULL
);

-- Keys and indexes (customer_day: PRIMARY KEY (customer_id, order_date), index on order_date;
-- customer_totals: PRIMARY KEY (customer_id)) are made after a full build's load, below.
CREATE TABLE IF NOT EXISTS ops.customer_totals (
    customer_id        text    NOT NULL,
    total_orders       bigint  NOT NULL,
    total_spent        numeric NOT NULL,
    gross_profit       numeric NOT NULL,
    first_order_date   date    NOT NULL,
    last_order_date    date    NOT NULL,
    first_order_value  numeric NOT NULL
);

-- The customers whose totals this build recomputes (incremental builds only).
CREATE TEMP TABLE customer_touched (customer_id text NOT NULL) ON COMMIT DROP;

-- Incremental build: forget the changed days (the customers they had are touched) ...
WITH gone AS (
    DELETE FROM ops.customer_day
    WHERE NOT %(full)s AND order_date = ANY(%(days)s::date[])
    RETURNING customer_id
)
INSERT INTO pg_temp.customer_touched SELECT customer_id FROM gone;

-- ... and read the days from the facts: every day for a full build, else the changed days (the
-- customers they have now are touched).
WITH fresh AS (
    INSERT INTO ops.customer_day
    SELECT customer_id,
           order_date,
           count(*),
           sum(net_revenue),
           sum(gross_profit),
           (array_agg(order_id ORDER BY order_id))[1],
           (array_agg(net_revenue ORDER BY order_id))[1]
    FROM warehouse.fact_orders
    WHERE is_recognized AND (%(full)s OR order_date = ANY(%(days)s::date[]))
    GROUP BY customer_id, order_date
    RETURNING customer_id
)
INSERT INTO pg_temp.customer_touched SELECT customer_id FROM fresh WHERE NOT %(full)s;

DELETE FROM ops.customer_totals
WHERE NOT %(full)s
  AND customer_id = ANY(ARRAY(SELECT DISTINCT customer_id FROM pg_temp.customer_touched));

INSERT INTO ops.customer_totals
SELECT customer_id,
       sum(orders),
       sum(net_revenue),
       sum(gross_profit),
       min(order_date),
       max(order_date),
       (array_agg(first_order_value ORDER BY order_date))[1]
FROM ops.customer_day
WHERE %(full)s
   OR customer_id = ANY(ARRAY(SELECT DISTINCT customer_id FROM pg_temp.customer_touched))
GROUP BY customer_id;

DO $$
BEGIN
    IF current_setting('ecom.customer_state_full')::boolean THEN
        ALTER TABLE ops.customer_day ADD PRIMARY KEY (customer_id, order_date);
        CREATE INDEX customer_day_date_idx ON ops.customer_day (order_date);
        ALTER TABLE ops.customer_totals ADD PRIMARY KEY (customer_id);
        ANALYZE ops.customer_day;
        ANALYZE ops.customer_totals;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS analytics.customer_metrics (
    customer_id             text          PRIMARY KEY,
    total_orders            bigint        NOT NULL,
    total_spent             numeric(14,2) NOT NULL,
    avg_order_value         numeric(14,2),
    lifetime_value          numeric(14,2) NOT NULL,
    gross_profit            numeric(14,2) NOT NULL,
    first_order_date        date,
    last_order_date         date,
    first_order_value       numeric(14,2),
    days_since_last_order   integer,
    customer_segment        text          NOT NULL,
    registration_date       date,
    days_to_first_purchase  integer,
    acquisition_bucket      text          NOT NULL,
    churn_risk              text          NOT NULL,
    churn_risk_score        numeric(3,1)
);

TRUNCATE analytics.customer_metrics;

INSERT INTO analytics.customer_metrics
WITH customers AS (
    SELECT customer_id, coalesce(customer_segment, 'Unknown') AS customer_segment, registration_date
    FROM warehouse.dim_customers
    WHERE is_current AND customer_id <> 'UNKNOWN'
),
joined AS (
    SELECT c.customer_id,
           coalesce(o.total_orders, 0)  AS total_orders,
           coalesce(o.total_spent, 0)   AS total_spent,
           coalesce(o.gross_profit, 0)  AS gross_profit,
           o.first_order_date,
           o.last_order_date,
           o.first_order_value,
           %(as_of)s::date - o.last_order_date AS days_since_last_order,
           c.customer_segment,
           c.registration_date,
           o.first_order_date - c.registration_date AS days_to_first_purchase
    FROM customers c
    LEFT JOIN ops.customer_totals o ON o.customer_id = c.customer_id
)
SELECT customer_id,
       total_orders,
       round(total_spent, 2),
       CASE WHEN total_orders > 0 THEN round(total_spent / total_orders, 2) END,
       round(total_spent, 2),
       round(gross_profit, 2),
       first_order_date,
       last_order_date,
       round(first_order_value, 2),
       days_since_last_order,
       customer_segment,
       registration_date,
       days_to_first_purchase,
       CASE WHEN total_orders = 0 THEN 'No purchase'
            WHEN days_to_first_purchase IS NULL THEN 'After month'
            WHEN days_to_first_purchase < 0 THEN 'Before registration'
            WHEN days_to_first_purchase = 0 THEN 'Same day'
            WHEN days_to_first_purchase <= 7 THEN 'Within week'
            WHEN days_to_first_purchase <= 30 THEN 'Within month'
            ELSE 'After month' END,
       CASE WHEN total_orders = 0 THEN 'No purchase'
            WHEN days_since_last_order > 180 THEN 'High'
            WHEN days_since_last_order > 90 THEN 'Medium'
            ELSE 'Low' END,
       CASE WHEN total_orders = 0 THEN NULL
            WHEN days_since_last_order > 365 THEN 0.9
            WHEN days_since_last_order > 180 THEN 0.7
            WHEN days_since_last_order > 90 THEN 0.4
            ELSE 0.1 END
FROM joined
ORDER BY customer_id;
