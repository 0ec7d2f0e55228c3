-- analytics.product_metrics: one row per product (current version), sold or not.
-- Money comes from the fact's point-in-time item measures (net revenue after the order's
-- discount share, COGS at the cost in effect on the order date), matched on the natural key
-- so sales of every version count. Stock is averaged over the snapshot days loaded.
--
-- Built incrementally from state in ops (TableSpec facts: fact_order_items, fact_inventory):
-- ops.product_day (recognized sales of a product on a day, recomputed for the changed days; also
-- what bi.daily_product_sales shows, so a BI tool sums a date range from it instead of the items),
-- ops.product_month (the same by calendar month, summed from product_day for the changed days'
-- months; an order lies in one day, so distinct orders add up over days), ops.stock_month (stock
-- summed over the month's snapshot days up to the as-of date) and ops.product_snapshot_days
-- (how many snapshot days each month has up to the as-of date). Only the months in %(months)s are
-- recomputed (every month when %(full)s), plus, for stock, the months between the previous and
-- the current as-of date; the table is then rewritten from the state and the current products.

-- The months to recompute: the changed fact days' months; for stock also every month between
-- the as-of date of the last build (still in ops.analytics_builds) and this one.
CREATE TEMP TABLE product_sales_months ON COMMIT DROP AS
SELECT DISTINCT m::date AS month FROM unnest(%(months)s::date[]) AS m;

CREATE TEMP TABLE product_stock_months ON COMMIT DROP AS
SELECT month FROM product_sales_months
UNION
SELECT date_trunc('month', d)::date
FROM ops.analytics_builds b,
     generate_series(least(b.as_of, %(as_of)s::date), greatest(b.as_of, %(as_of)s::date), interval '1 day') AS d
WHERE b.table_name = 'product_metrics' AND b.as_of IS DISTINCT FROM %(as_of)s::date;

-- A full build empties the day state with TRUNCATE (no 1.25M dead rows at scale 100) and puts
-- the rows back in key order, so the primary key grows at its right edge: the full build went
-- from 1.8x to 1.35x the month-only state's time, a new day from 0.7-0.85x (docs/BENCHMARKS.md).
SELECT set_config('ecom.product_state_full', %(full)s::text, true);

DO $$
BEGIN
    IF current_setting('ecom.product_state_full')::boolean THEN
        TRUNCATE ops.product_day;
    END IF;
END
$$;

DELETE FROM ops.product_day
WHERE NOT %(full)s AND day = ANY(%(days)s::date[]);

INSERT INTO ops.product_day
SELECT i.order_date,
       i.product_id,
       sum(i.quantity),
       count(DISTINCT i.order_id),
       sum(i.net_revenue),
       sum(i.cogs),
       sum(i.gross_profit)
FROM warehouse.fact_order_items i
WHERE i.is_recognized
  AND (%(full)s OR i.order_date = ANY(%(days)s::date[]))
GROUP BY 1, 2
ORDER BY 1, 2;

DELETE FROM ops.product_month
WHERE %(full)s OR month = ANY(%(months)s::date[]);

INSERT INTO ops.product_month
SELECT date_trunc('month', d.day)::date,
       d.product_id,
       sum(d.units_sold),
       sum(d.orders),
       sum(d.net_revenue),
       sum(d.cogs),
       sum(d.gross_profit)
FROM ops.product_day d
WHERE %(full)s OR (d.day >= (SELECT min(month) FROM product_sales_months)
                   AND d.day < (SELECT max(month) + interval '1 month' FROM product_sales_months)
                   AND date_trunc('month', d.day)::date IN (SELECT month FROM product_sales_months))
GROUP BY 1, 2;

-- Stock per product and snapshot day of the stock months, up to the as-of date.
CREATE TEMP TABLE product_stock_days ON COMMIT DROP AS
SELECT i.snapshot_date, i.product_id, sum(i.current_stock) AS stock
FROM warehouse.fact_inventory i
WHERE i.snapshot_date <= %(as_of)s::date
  AND (%(full)s OR (i.snapshot_date >= (SELECT min(month) FROM product_stock_months)
                    AND i.snapshot_date < (SELECT max(month) + interval '1 month' FROM product_stock_months)
                    AND date_trunc('month', i.snapshot_date)::date IN (SELECT month FROM product_stock_months)))
GROUP BY 1, 2;

DELETE FROM ops.stock_month
WHERE %(full)s OR month = ANY(ARRAY(SELECT month FROM product_stock_months));

INSERT INTO ops.stock_month
SELECT date_trunc('month', snapshot_date)::date, product_id, sum(stock)
FROM product_stock_days
GROUP BY 1, 2;

DELETE FROM ops.product_snapshot_days
WHERE %(full)s OR month = ANY(ARRAY(SELECT month FROM product_stock_months));

INSERT INTO ops.product_snapshot_days
SELECT date_trunc('month', snapshot_date)::date, count(DISTINCT snapshot_date)
FROM product_stock_days
GROUP BY 1;

CREATE TABLE IF NOT EXISTS analytics.product_metrics (
    product_id          text          PRIMARY KEY,
    product_name        text,
    category            text          NOT NULL,
    brand               text          NOT NULL,
    units_sold          bigint        NOT NULL,
    orders              bigint        NOT NULL,
    net_revenue         numeric(14,2) NOT NULL,
    cogs                numeric(14,2) NOT NULL,
    gross_profit        numeric(14,2) NOT NULL,
    margin_pct          numeric(10,2),
    list_margin_pct     numeric(10,2),
    avg_rating          numeric(4,2),
    avg_on_hand_units   numeric(14,2) NOT NULL,
    inventory_turnover  numeric(14,2),
    days_of_supply      numeric(14,2)
);

TRUNCATE analytics.product_metrics;

INSERT INTO analytics.product_metrics
WITH period AS (
    SELECT %(as_of)s::date - min(order_date) + 1 AS days
    FROM warehouse.fact_orders
),
products AS (
    SELECT product_id, product_name,
           coalesce(category, 'Unknown') AS category,
           coalesce(brand, 'Unknown')    AS brand,
           cost_price, selling_price, rating
    FROM warehouse.dim_products
    WHERE is_current AND product_id <> 'UNKNOWN'
),
sales AS (
    SELECT product_id,
           sum(units_sold)::bigint AS units_sold,
           sum(orders)::bigint     AS orders,
           sum(net_revenue)        AS net_revenue,
           sum(cogs)               AS cogs,
           sum(gross_profit)       AS gross_profit
    FROM ops.product_month
    GROUP BY product_id
),
stock AS (
    SELECT product_id,
           sum(stock_sum)::numeric
             / (SELECT sum(days)::bigint FROM ops.product_snapshot_days) AS avg_on_hand_units
    FROM ops.stock_month
    GROUP BY product_id
),
joined AS (
    SELECT p.*,
           coalesce(s.units_sold, 0)        AS units_sold,
           coalesce(s.orders, 0)            AS orders,
           coalesce(s.net_revenue, 0)       AS net_revenue,
           coalesce(s.cogs, 0)              AS cogs,
           coalesce(s.gross_profit, 0)      AS gross_profit,
           coalesce(k.avg_on_hand_units, 0) AS avg_on_hand_units
    FROM products p
    LEFT JOIN sales s ON s.product_id = p.product_id
    LEFT JOIN stock k ON k.product_id = p.product_id
)
SELECT product_id,
       product_name,
       category,
       brand,
       units_sold,
       orders,
       round(net_revenue, 2),
       round(cogs, 2),
       round(gross_profit, 2),
       round(gross_profit / nullif(net_revenue, 0) * 100, 2),
       round((selling_price - cost_price) / nullif(selling_price, 0) * 100, 2),
       round(rating, 2),
       round(avg_on_hand_units, 2),
       round(units_sold / nullif(avg_on_hand_units, 0), 2),
       CASE WHEN units_sold > 0
            THEN round(avg_on_hand_units * (SELECT days FROM period) / units_sold, 2) END
FROM joined
ORDER BY product_id;
