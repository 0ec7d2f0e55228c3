-- The per-day cache of fact_totals.sql: each ledgered fact day's share of the totals the
-- analytics tables must add up to, computed from that day's fact rows with the same definitions,
-- beside the fact builds (ops.fact_builds) and the marker (the md5 of this SQL and of
-- fact_totals_refresh.sql, and the fingerprint of the set of current customer/product keys,
-- which decides what is an unknown member) it was computed with.
-- Created under the cache's advisory lock (fact_totals.py), so parallel steps do not race.
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
