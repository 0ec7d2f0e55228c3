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
--                       lowest order_id: METRICS.md);
--   ops.customer_rows   the table's rows without the columns that move with the as-of date;
--   ops.customer_rows_seen the last change of ops.dim_changes (dim_customers) they reflect.
-- A full build (first build, changed SQL, missing state, full_refresh) rebuilds all three from
-- warehouse.fact_orders and warehouse.dim_customers; an incremental one replaces the customer_day
-- rows of the changed days, recomputes customer_totals for the customers those rows had or
-- have (a customer left with no recognized order loses the row), and rewrites the
-- customer_rows of those customers and of the customers whose dimension rows changed since
-- (new, changed, gone: ops.dim_changes): a new day costs its customers, not the customer base.
-- The customers rewritten are left in pg_temp.customer_rebuilt for the checks.
--
-- analytics.customer_metrics is a view over ops.customer_rows adding days_since_last_order and
-- the churn risk against the as-of date of the table's last build (ops.analytics_builds, written
-- in the same transaction): they move for every buyer every day, and a view moves them without
-- rewriting a row. Readers see the previous build until the transaction commits, as before.
-- daily_sales and monthly_sales read ops.customer_totals for new_customers when this table has
-- seen the same fact builds as they do (else they read the facts).

SELECT set_config('ecom.customer_state_full', %(full)s::text, true);

DO $$
BEGIN
    IF current_setting('ecom.customer_state_full')::boolean THEN
        -- emptied without keys or indexes, which are made again after the load, below
        TRUNCATE ops.customer_day, ops.customer_totals;
        ALTER TABLE ops.customer_day DROP CONSTRAINT IF EXISTS customer_day_pkey;
        DROP INDEX IF EXISTS ops.customer_day_date_idx;
        ALTER TABLE ops.customer_totals DROP CONSTRAINT IF EXISTS customer_totals_pkey;
    END IF;
    -- Until 2026-11: analytics.customer_metrics was a table rewritten whole every build. Its
    -- bi view goes with it and is made again by analytics/bi_access, downstream of this table.
    IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('analytics.customer_metrics')) = 'r' THEN
        DROP TABLE analytics.customer_metrics CASCADE;
    END IF;
END
$$;

-- The state tables are created by ops_state.sql. Keys and indexes (customer_day: PRIMARY KEY
-- (customer_id, order_date), index on order_date; customer_totals: PRIMARY KEY (customer_id))
-- are made after a full build's load, below.

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

-- The stored rows (keys after a full build's load, below). A full build empties them rather
-- than dropping the table: the view over it, and the bi view over that, stay (dropping would
-- take them along until analytics/bi_access made the bi one again).
DO $$
BEGIN
    IF current_setting('ecom.customer_state_full')::boolean THEN
        TRUNCATE ops.customer_rows;
        ALTER TABLE ops.customer_rows DROP CONSTRAINT IF EXISTS customer_rows_pkey;
    END IF;
END
$$;

CREATE TEMP TABLE customer_rebuilt (customer_id text PRIMARY KEY) ON COMMIT DROP;

-- The dimension's change ledger: every pipeline build of dim_customers logs in ops.dim_changes
-- the customers whose versions it changed (new, changed or gone). ops.customer_rows_seen holds
-- the last change this table has seen; the latest is read before the dimension, so a change
-- committed meanwhile is seen again next time rather than missed.
CREATE TEMP TABLE customer_dims ON COMMIT DROP AS
SELECT seen, latest, coalesce(seen IS NOT NULL AND latest >= seen, false) AS ledgered
FROM (SELECT (SELECT max(dim_change_id) FROM ops.customer_rows_seen) AS seen,
             (SELECT max(change_id) FROM ops.dim_changes WHERE dim_name = 'dim_customers') AS latest) x;

-- The table's customers: the current version of each, the unknown member left out.
CREATE OR REPLACE TEMP VIEW current_customers AS
SELECT customer_id, coalesce(customer_segment, 'Unknown') AS customer_segment, registration_date
FROM warehouse.dim_customers
WHERE is_current AND customer_id <> 'UNKNOWN';

-- Incremental build: the customers whose rows change are those whose totals were recomputed and
-- those whose dimension rows changed: from the ledger since the change last seen, or, without a
-- usable ledger (a warehouse not built by the pipeline, none seen yet), by comparing every
-- current dimension row with the stored one (0.6 s at scale 100, 250k customers).
INSERT INTO pg_temp.customer_rebuilt
SELECT customer_id FROM pg_temp.customer_touched WHERE NOT %(full)s
UNION
SELECT l.natural_key
FROM ops.dim_changes l, pg_temp.customer_dims d
WHERE NOT %(full)s AND d.ledgered
  AND l.dim_name = 'dim_customers' AND l.change_id > d.seen
UNION
SELECT coalesce(c.customer_id, r.customer_id)
FROM pg_temp.current_customers c
FULL JOIN ops.customer_rows r ON r.customer_id = c.customer_id
WHERE NOT %(full)s
  AND NOT (SELECT ledgered FROM pg_temp.customer_dims)
  AND (c.customer_id IS NULL OR r.customer_id IS NULL
       OR (c.customer_segment, c.registration_date) IS DISTINCT FROM (r.customer_segment, r.registration_date));

DELETE FROM ops.customer_rows_seen;
INSERT INTO ops.customer_rows_seen SELECT latest FROM pg_temp.customer_dims WHERE latest IS NOT NULL;

DELETE FROM ops.customer_rows
WHERE NOT %(full)s AND customer_id = ANY(ARRAY(SELECT customer_id FROM pg_temp.customer_rebuilt));

INSERT INTO ops.customer_rows
WITH customers AS (
    SELECT * FROM pg_temp.current_customers
    WHERE %(full)s OR customer_id = ANY(ARRAY(SELECT customer_id FROM pg_temp.customer_rebuilt))
),
joined AS (
    SELECT c.customer_id,
           coalesce(o.total_orders, 0)  AS total_orders,
           coalesce(o.total_spent, 0)   AS total_spent,
           coalesce(o.gross_profit, 0)  AS gross_profit,
           o.first_order_date,
           o.last_order_date,
           o.first_order_value,
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
       customer_segment,
       registration_date,
       days_to_first_purchase,
       CASE WHEN total_orders = 0 THEN 'No purchase'
            WHEN days_to_first_purchase IS NULL THEN 'After month'
            WHEN days_to_first_purchase < 0 THEN 'Before registration'
            WHEN days_to_first_purchase = 0 THEN 'Same day'
            WHEN days_to_first_purchase <= 7 THEN 'Within week'
            WHEN days_to_first_purchase <= 30 THEN 'Within month'
            ELSE 'After month' END
FROM joined
ORDER BY customer_id;

DO $$
BEGIN
    IF current_setting('ecom.customer_state_full')::boolean THEN
        ALTER TABLE ops.customer_rows ADD PRIMARY KEY (customer_id);
        ANALYZE ops.customer_rows;
    END IF;
END
$$;

-- The columns of METRICS.md in its order; the as-of date is the one this build records (each
-- subquery is evaluated once per query, not per row). One table in FROM: PostgreSQL can update
-- its stored columns through the view.
CREATE OR REPLACE VIEW analytics.customer_metrics AS
SELECT customer_id,
       total_orders,
       total_spent,
       avg_order_value,
       lifetime_value,
       gross_profit,
       first_order_date,
       last_order_date,
       first_order_value,
       (SELECT as_of FROM ops.analytics_builds WHERE table_name = 'customer_metrics') - last_order_date
           AS days_since_last_order,
       customer_segment,
       registration_date,
       days_to_first_purchase,
       acquisition_bucket,
       CASE WHEN total_orders = 0 THEN 'No purchase'
            WHEN last_order_date < (SELECT as_of FROM ops.analytics_builds WHERE table_name = 'customer_metrics') - 180
                THEN 'High'
            WHEN last_order_date < (SELECT as_of FROM ops.analytics_builds WHERE table_name = 'customer_metrics') - 90
                THEN 'Medium'
            ELSE 'Low' END AS churn_risk,
       CAST(CASE WHEN total_orders = 0 THEN NULL
                 WHEN last_order_date < (SELECT as_of FROM ops.analytics_builds WHERE table_name = 'customer_metrics') - 365
                     THEN 0.9
                 WHEN last_order_date < (SELECT as_of FROM ops.analytics_builds WHERE table_name = 'customer_metrics') - 180
                     THEN 0.7
                 WHEN last_order_date < (SELECT as_of FROM ops.analytics_builds WHERE table_name = 'customer_metrics') - 90
                     THEN 0.4
                 ELSE 0.1 END AS numeric(3,1)) AS churn_risk_score
FROM ops.customer_rows;
