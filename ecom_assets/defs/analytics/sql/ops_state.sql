-- The analytics layer's state in schema ops (docs/DESIGN.md "The ops tables"): created here and
-- nowhere else, by incremental.ensure_state before a build plans (lib/sql_files.apply_state:
-- applied when this file changed or one of its tables is missing; a table found missing had
-- state that is lost, so the build owning it is full: assets.TableSpec.state_tables).
--
-- What each table holds is described where it is written (the table's SQL file).

-- What each analytics table was last built with: the md5 of its SQL (``code``), the as-of date,
-- the dimension marker; and which build of every fact day it saw (incremental.py).
CREATE TABLE IF NOT EXISTS ops.analytics_builds (
    table_name text        PRIMARY KEY,
    code       text        NOT NULL,
    as_of      date,
    marker     text,
    built_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS ops.analytics_seen (
    table_name text   NOT NULL,
    fact       text   NOT NULL,
    day        date   NOT NULL,
    build_id   bigint NOT NULL,
    PRIMARY KEY (table_name, fact, day)
);

-- customer_metrics (customer_metrics.sql): customer_day and customer_totals get their keys and
-- indexes after a full build's load; customer_rows likewise; customer_rows_seen: the last change
-- of ops.dim_changes (dim_customers) the rows reflect; customer_counts: the dashboards' counts.
CREATE TABLE IF NOT EXISTS ops.customer_day (
    customer_id        text    NOT NULL,
    order_date         date    NOT NULL,
    orders             bigint  NOT NULL,
    net_revenue        numeric NOT NULL,
    gross_profit       numeric NOT NULL,
    first_order_id     text    NOT NULL,
    first_order_value  numeric NOT NULL
);

CREATE TABLE IF NOT EXISTS ops.customer_totals (
    customer_id        text    NOT NULL,
    total_orders       bigint  NOT NULL,
    total_spent        numeric NOT NULL,
    gross_profit       numeric NOT NULL,
    first_order_date   date    NOT NULL,
    last_order_date    date    NOT NULL,
    first_order_value  numeric NOT NULL
);

CREATE TABLE IF NOT EXISTS ops.customer_rows (
    customer_id             text          NOT NULL,
    total_orders            bigint        NOT NULL,
    total_spent             numeric(14,2) NOT NULL,
    avg_order_value         numeric(14,2),
    lifetime_value          numeric(14,2) NOT NULL,
    gross_profit            numeric(14,2) NOT NULL,
    first_order_date        date,
    last_order_date         date,
    first_order_value       numeric(14,2),
    customer_segment        text          NOT NULL,
    registration_date       date,
    days_to_first_purchase  integer,
    acquisition_bucket      text          NOT NULL
);
CREATE TABLE IF NOT EXISTS ops.customer_rows_seen (dim_change_id bigint NOT NULL);

CREATE TABLE IF NOT EXISTS ops.customer_counts (
    kind                    text    NOT NULL,
    customer_segment        text    NOT NULL,
    acquisition_bucket      text,
    churn_risk              text,
    month                   date,
    days_to_first_purchase  integer,
    customers               bigint  NOT NULL
);

-- product_metrics (product_metrics.sql)
CREATE TABLE IF NOT EXISTS ops.product_day (
    day           date    NOT NULL,
    product_id    text    NOT NULL,
    units_sold    bigint  NOT NULL,
    orders        bigint  NOT NULL,
    net_revenue   numeric NOT NULL,
    cogs          numeric NOT NULL,
    gross_profit  numeric NOT NULL,
    PRIMARY KEY (day, product_id)
);

CREATE TABLE IF NOT EXISTS ops.product_month (
    month         date    NOT NULL,
    product_id    text    NOT NULL,
    units_sold    bigint  NOT NULL,
    orders        bigint  NOT NULL,
    net_revenue   numeric NOT NULL,
    cogs          numeric NOT NULL,
    gross_profit  numeric NOT NULL,
    PRIMARY KEY (month, product_id)
);

CREATE TABLE IF NOT EXISTS ops.stock_month (
    month       date   NOT NULL,
    product_id  text   NOT NULL,
    stock_sum   bigint NOT NULL,
    PRIMARY KEY (month, product_id)
);

CREATE TABLE IF NOT EXISTS ops.product_snapshot_days (
    month  date    NOT NULL PRIMARY KEY,
    days   integer NOT NULL
);

-- category_metrics (group_metrics.sql with {{group}} = category)
CREATE TABLE IF NOT EXISTS ops.category_month (
    month         date    NOT NULL,
    category         text    NOT NULL,
    units_sold    bigint  NOT NULL,
    orders        bigint  NOT NULL,
    net_revenue   numeric NOT NULL,
    cogs          numeric NOT NULL,
    gross_profit  numeric NOT NULL,
    PRIMARY KEY (month, category)
);

CREATE TABLE IF NOT EXISTS ops.category_stock_month (
    month       date   NOT NULL,
    category       text   NOT NULL,
    stock_sum   bigint NOT NULL,
    PRIMARY KEY (month, category)
);

CREATE TABLE IF NOT EXISTS ops.category_snapshot_days (
    month  date    NOT NULL PRIMARY KEY,
    days   integer NOT NULL
);

-- brand_metrics (group_metrics.sql with {{group}} = brand)
CREATE TABLE IF NOT EXISTS ops.brand_month (
    month         date    NOT NULL,
    brand         text    NOT NULL,
    units_sold    bigint  NOT NULL,
    orders        bigint  NOT NULL,
    net_revenue   numeric NOT NULL,
    cogs          numeric NOT NULL,
    gross_profit  numeric NOT NULL,
    PRIMARY KEY (month, brand)
);

CREATE TABLE IF NOT EXISTS ops.brand_stock_month (
    month       date   NOT NULL,
    brand       text   NOT NULL,
    stock_sum   bigint NOT NULL,
    PRIMARY KEY (month, brand)
);

CREATE TABLE IF NOT EXISTS ops.brand_snapshot_days (
    month  date    NOT NULL PRIMARY KEY,
    days   integer NOT NULL
);

-- campaign_attribution (campaign_attribution.sql)
CREATE TABLE IF NOT EXISTS ops.campaign_order (
    order_date    date          NOT NULL,
    order_id      text          NOT NULL,
    campaign_id   text          NOT NULL,
    event_id      text          NOT NULL,
    net_revenue   numeric(14,2) NOT NULL,
    gross_profit  numeric(14,2) NOT NULL,
    customer_id   text,
    touch_date    date,
    PRIMARY KEY (order_date, order_id)
);
-- The ordering customer and the touch's day, for bi.fact_campaign_orders (a campaign's orders
-- listed without joining every fact_orders partition), and an index to find a campaign's rows.
ALTER TABLE ops.campaign_order ADD COLUMN IF NOT EXISTS customer_id text;
ALTER TABLE ops.campaign_order ADD COLUMN IF NOT EXISTS touch_date date;
CREATE INDEX IF NOT EXISTS campaign_order_campaign_idx ON ops.campaign_order (campaign_id);

-- The fact totals the analytics checks compare against (checks.fact_totals).
-- The per-day cache of fact_totals.sql: each ledgered fact day's share of the totals the
-- analytics tables must add up to, computed from that day's fact rows with the same definitions,
-- beside the fact builds (ops.fact_builds) and the marker (the md5 of this SQL and of
-- fact_totals_refresh.sql, and the fingerprint of the set of current customer/product keys,
-- which decides what is an unknown member) it was computed with.
CREATE TABLE IF NOT EXISTS ops.fact_day_totals (
    day                          date          PRIMARY KEY,
    orders_build_id              bigint,
    items_build_id               bigint,
    marker                       text          NOT NULL,
    order_net_revenue            numeric(18,2) NOT NULL,
    recognized_orders            bigint        NOT NULL,
    unknown_customer_net_revenue numeric(18,2) NOT NULL,
    unknown_customer_orders      bigint        NOT NULL,
    item_net_revenue             numeric(18,2) NOT NULL,
    unknown_product_net_revenue  numeric(18,2) NOT NULL,
    unknown_product_items        bigint        NOT NULL
);

-- The key-set fingerprint (fact_totals_marker.sql) last computed, and the dimension builds
-- (ops.dim_builds fingerprints of dim_customers and dim_products) it was computed after: while
-- they are unchanged the key set is too, and the fingerprint is reused instead of recomputed.
CREATE TABLE IF NOT EXISTS ops.fact_day_totals_keys (
    dims_ledger text PRIMARY KEY,
    keys        text NOT NULL
);
