-- analytics.category_metrics: sales and stock by the current category of each product.
-- Orders are distinct per category (an order with two toys counts once for Toys).
--
-- Built incrementally from per-month state in ops (TableSpec facts: fact_order_items,
-- fact_inventory), grouped by each product's CURRENT category: ops.category_month (recognized sales
-- of a category in a calendar month; an order lies in one month, so distinct orders add up over
-- months), ops.category_stock_month (stock summed over the month's snapshot days up to the as-of
-- date) and ops.category_snapshot_days (snapshot days per month up to the as-of date). The TableSpec's
-- marker fingerprints the product -> category mapping, so a product moving to another category
-- rebuilds the state whole (%(full)s); otherwise only the months in %(months)s are recomputed,
-- plus, for stock, the months between the previous and the current as-of date. The table is
-- then rewritten from the state and the current products.

CREATE TABLE IF NOT EXISTS ops.category_month (
    month         date    NOT NULL,
    category      text    NOT NULL,
    units_sold    bigint  NOT NULL,
    orders        bigint  NOT NULL,
    net_revenue   numeric NOT NULL,
    cogs          numeric NOT NULL,
    gross_profit  numeric NOT NULL,
    PRIMARY KEY (month, category)
);

CREATE TABLE IF NOT EXISTS ops.category_stock_month (
    month       date   NOT NULL,
    category    text   NOT NULL,
    stock_sum   bigint NOT NULL,
    PRIMARY KEY (month, category)
);

CREATE TABLE IF NOT EXISTS ops.category_snapshot_days (
    month  date    NOT NULL PRIMARY KEY,
    days   integer NOT NULL
);

CREATE TEMP TABLE category_products ON COMMIT DROP AS
SELECT product_id, coalesce(category, 'Unknown') AS grp
FROM warehouse.dim_products
WHERE is_current AND product_id <> 'UNKNOWN';

-- The months to recompute: the changed fact days' months; for stock also every month between
-- the as-of date of the last build (still in ops.analytics_builds) and this one.
CREATE TEMP TABLE category_sales_months ON COMMIT DROP AS
SELECT DISTINCT m::date AS month FROM unnest(%(months)s::date[]) AS m;

CREATE TEMP TABLE category_stock_months ON COMMIT DROP AS
SELECT month FROM category_sales_months
UNION
SELECT date_trunc('month', d)::date
FROM ops.analytics_builds b,
     generate_series(least(b.as_of, %(as_of)s::date), greatest(b.as_of, %(as_of)s::date), interval '1 day') AS d
WHERE b.table_name = 'category_metrics' AND b.as_of IS DISTINCT FROM %(as_of)s::date;

DELETE FROM ops.category_month
WHERE %(full)s OR month = ANY(%(months)s::date[]);

INSERT INTO ops.category_month
SELECT date_trunc('month', i.order_date)::date,
       p.grp,
       sum(i.quantity),
       count(DISTINCT i.order_id),
       sum(i.net_revenue),
       sum(i.cogs),
       sum(i.gross_profit)
FROM warehouse.fact_order_items i
JOIN category_products p ON p.product_id = i.product_id
WHERE i.is_recognized
  AND (%(full)s OR (i.order_date >= (SELECT min(month) FROM category_sales_months)
                    AND i.order_date < (SELECT max(month) + interval '1 month' FROM category_sales_months)
                    AND date_trunc('month', i.order_date)::date IN (SELECT month FROM category_sales_months)))
GROUP BY 1, 2;

-- Stock per product and snapshot day of the stock months, up to the as-of date.
CREATE TEMP TABLE category_stock_days ON COMMIT DROP AS
SELECT i.snapshot_date, i.product_id, sum(i.current_stock) AS stock
FROM warehouse.fact_inventory i
WHERE i.snapshot_date <= %(as_of)s::date
  AND (%(full)s OR (i.snapshot_date >= (SELECT min(month) FROM category_stock_months)
                    AND i.snapshot_date < (SELECT max(month) + interval '1 month' FROM category_stock_months)
                    AND date_trunc('month', i.snapshot_date)::date IN (SELECT month FROM category_stock_months)))
GROUP BY 1, 2;

DELETE FROM ops.category_stock_month
WHERE %(full)s OR month = ANY(ARRAY(SELECT month FROM category_stock_months));

INSERT INTO ops.category_stock_month
SELECT date_trunc('month', s.snapshot_date)::date, p.grp, sum(s.stock)
FROM category_stock_days s
JOIN category_products p ON p.product_id = s.product_id
GROUP BY 1, 2;

DELETE FROM ops.category_snapshot_days
WHERE %(full)s OR month = ANY(ARRAY(SELECT month FROM category_stock_months));

INSERT INTO ops.category_snapshot_days
SELECT date_trunc('month', snapshot_date)::date, count(DISTINCT snapshot_date)
FROM category_stock_days
GROUP BY 1;

CREATE TABLE IF NOT EXISTS analytics.category_metrics (
    category            text          PRIMARY KEY,
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

TRUNCATE analytics.category_metrics;

INSERT INTO analytics.category_metrics
WITH sales AS (
    SELECT category AS grp,
           sum(units_sold)::bigint AS units_sold,
           sum(orders)::bigint     AS orders,
           sum(net_revenue)        AS net_revenue,
           sum(cogs)               AS cogs,
           sum(gross_profit)       AS gross_profit
    FROM ops.category_month
    GROUP BY category
),
stock AS (
    SELECT category AS grp,
           sum(stock_sum)::numeric
             / (SELECT sum(days)::bigint FROM ops.category_snapshot_days) AS avg_on_hand_units
    FROM ops.category_stock_month
    GROUP BY category
),
groups AS (
    SELECT grp, count(*) AS products FROM category_products GROUP BY grp
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
