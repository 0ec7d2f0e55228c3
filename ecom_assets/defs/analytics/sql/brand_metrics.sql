-- analytics.brand_metrics: sales and stock by the current brand of each product.
-- Orders are distinct per brand (an order with two items of one brand counts once).
--
-- Built incrementally from per-month state in ops (TableSpec facts: fact_order_items,
-- fact_inventory), grouped by each product's CURRENT brand: ops.brand_month (recognized sales
-- of a brand in a calendar month; an order lies in one month, so distinct orders add up over
-- months), ops.brand_stock_month (stock summed over the month's snapshot days up to the as-of
-- date) and ops.brand_snapshot_days (snapshot days per month up to the as-of date). The TableSpec's
-- marker fingerprints the product -> brand mapping, so a product moving to another brand
-- rebuilds the state whole (%(full)s); otherwise only the months in %(months)s are recomputed,
-- plus, for stock, the months between the previous and the current as-of date. The table is
-- then rewritten from the state and the current products.

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

CREATE TEMP TABLE brand_products ON COMMIT DROP AS
SELECT product_id, coalesce(brand, 'Unknown') AS grp
FROM warehouse.dim_products
WHERE is_current AND product_id <> 'UNKNOWN';

-- The months to recompute: the changed fact days' months; for stock also every month between
-- the as-of date of the last build (still in ops.analytics_builds) and this one.
CREATE TEMP TABLE brand_sales_months ON COMMIT DROP AS
SELECT DISTINCT m::date AS month FROM unnest(%(months)s::date[]) AS m;

CREATE TEMP TABLE brand_stock_months ON COMMIT DROP AS
SELECT month FROM brand_sales_months
UNION
SELECT date_trunc('month', d)::date
FROM ops.analytics_builds b,
     generate_series(least(b.as_of, %(as_of)s::date), greatest(b.as_of, %(as_of)s::date), interval '1 day') AS d
WHERE b.table_name = 'brand_metrics' AND b.as_of IS DISTINCT FROM %(as_of)s::date;

DELETE FROM ops.brand_month
WHERE %(full)s OR month = ANY(%(months)s::date[]);

INSERT INTO ops.brand_month
SELECT date_trunc('month', i.order_date)::date,
       p.grp,
       sum(i.quantity),
       count(DISTINCT i.order_id),
       sum(i.net_revenue),
       sum(i.cogs),
       sum(i.gross_profit)
FROM warehouse.fact_order_items i
JOIN brand_products p ON p.product_id = i.product_id
WHERE i.is_recognized
  AND (%(full)s OR (i.order_date >= (SELECT min(month) FROM brand_sales_months)
                    AND i.order_date < (SELECT max(month) + interval '1 month' FROM brand_sales_months)
                    AND date_trunc('month', i.order_date)::date IN (SELECT month FROM brand_sales_months)))
GROUP BY 1, 2;

-- Stock per product and snapshot day of the stock months, up to the as-of date.
CREATE TEMP TABLE brand_stock_days ON COMMIT DROP AS
SELECT i.snapshot_date, i.product_id, sum(i.current_stock) AS stock
FROM warehouse.fact_inventory i
WHERE i.snapshot_date <= %(as_of)s::date
  AND (%(full)s OR (i.snapshot_date >= (SELECT min(month) FROM brand_stock_months)
                    AND i.snapshot_date < (SELECT max(month) + interval '1 month' FROM brand_stock_months)
                    AND date_trunc('month', i.snapshot_date)::date IN (SELECT month FROM brand_stock_months)))
GROUP BY 1, 2;

DELETE FROM ops.brand_stock_month
WHERE %(full)s OR month = ANY(ARRAY(SELECT month FROM brand_stock_months));

INSERT INTO ops.brand_stock_month
SELECT date_trunc('month', s.snapshot_date)::date, p.grp, sum(s.stock)
FROM brand_stock_days s
JOIN brand_products p ON p.product_id = s.product_id
GROUP BY 1, 2;

DELETE FROM ops.brand_snapshot_days
WHERE %(full)s OR month = ANY(ARRAY(SELECT month FROM brand_stock_months));

INSERT INTO ops.brand_snapshot_days
SELECT date_trunc('month', snapshot_date)::date, count(DISTINCT snapshot_date)
FROM brand_stock_days
GROUP BY 1;

CREATE TABLE IF NOT EXISTS analytics.brand_metrics (
    brand               text          PRIMARY KEY,
    units_sold          bigint        NOT NULL,
    orders              bigint        NOT NULL,
    net_revenue         numeric(14,2) NOT NULL,
    cogs                numeric(14,2) NOT NULL,
    gross_profit        numeric(14,2) NOT NULL,
    margin_pct          numeric(10,2),
    products            bigint        NOT NULL,
    avg_on_hand_units   numeric(14,2) NOT NULL,
    inventory_turnover  numeric(14,2)
);

TRUNCATE analytics.brand_metrics;

INSERT INTO analytics.brand_metrics
WITH sales AS (
    SELECT brand AS grp,
           sum(units_sold)::bigint AS units_sold,
           sum(orders)::bigint     AS orders,
           sum(net_revenue)        AS net_revenue,
           sum(cogs)               AS cogs,
           sum(gross_profit)       AS gross_profit
    FROM ops.brand_month
    GROUP BY brand
),
stock AS (
    SELECT brand AS grp,
           sum(stock_sum)::numeric
             / (SELECT sum(days)::bigint FROM ops.brand_snapshot_days) AS avg_on_hand_units
    FROM ops.brand_stock_month
    GROUP BY brand
),
groups AS (
    SELECT grp, count(*) AS products FROM brand_products GROUP BY grp
)
SELECT g.grp,
       coalesce(s.units_sold, 0),
       coalesce(s.orders, 0),
       round(coalesce(s.net_revenue, 0), 2),
       round(coalesce(s.cogs, 0), 2),
       round(coalesce(s.gross_profit, 0), 2),
       round(s.gross_profit / nullif(s.net_revenue, 0) * 100, 2),
       g.products,
       round(coalesce(k.avg_on_hand_units, 0), 2),
       round(coalesce(s.units_sold, 0) / nullif(k.avg_on_hand_units, 0), 2)
FROM groups g
LEFT JOIN sales s ON s.grp = g.grp
LEFT JOIN stock k ON k.grp = g.grp
ORDER BY g.grp;
