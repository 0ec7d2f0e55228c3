-- analytics.{{group}}_metrics for a product attribute {{group}} (category or brand: the TableSpec
-- names it, assets.table_sql fills it in): sales and stock by the CURRENT {{group}} of each product.
-- Orders are distinct per {{group}} (an order with two items of one {{group}} counts once).
--
-- Built incrementally from per-month state in ops (TableSpec facts: fact_order_items,
-- fact_inventory): ops.{{group}}_month (recognized sales of a {{group}} in a calendar month; an
-- order lies in one month, so distinct orders add up over months), ops.{{group}}_stock_month
-- (stock summed over the month's snapshot days up to the as-of date) and
-- ops.{{group}}_snapshot_days (snapshot days per month up to the as-of date). The TableSpec's
-- marker fingerprints the product -> {{group}} mapping, so a product moving to another {{group}}
-- rebuilds the state whole (%(full)s); otherwise only the months in %(months)s are recomputed,
-- plus, for stock, the months between the previous and the current as-of date. The table is
-- then rewritten from the state and the current products.

CREATE TEMP TABLE {{group}}_products ON COMMIT DROP AS
SELECT product_id, coalesce({{group}}, 'Unknown') AS grp
FROM warehouse.dim_products
WHERE is_current AND product_id <> 'UNKNOWN';

-- The months to recompute: the changed fact days' months; for stock also every month between
-- the as-of date of the last build (still in ops.analytics_builds) and this one.
CREATE TEMP TABLE {{group}}_sales_months ON COMMIT DROP AS
SELECT DISTINCT m::date AS month FROM unnest(%(months)s::date[]) AS m;

CREATE TEMP TABLE {{group}}_stock_months ON COMMIT DROP AS
SELECT month FROM {{group}}_sales_months
UNION
SELECT date_trunc('month', d)::date
FROM ops.analytics_builds b,
     generate_series(least(b.as_of, %(as_of)s::date), greatest(b.as_of, %(as_of)s::date), interval '1 day') AS d
WHERE b.table_name = '{{group}}_metrics' AND b.as_of IS DISTINCT FROM %(as_of)s::date;

DELETE FROM ops.{{group}}_month
WHERE %(full)s OR month = ANY(%(months)s::date[]);

INSERT INTO ops.{{group}}_month
SELECT date_trunc('month', i.order_date)::date,
       p.grp,
       sum(i.quantity),
       count(DISTINCT i.order_id),
       sum(i.net_revenue),
       sum(i.cogs),
       sum(i.gross_profit)
FROM warehouse.fact_order_items i
JOIN {{group}}_products p ON p.product_id = i.product_id
WHERE i.is_recognized
  AND (%(full)s OR (i.order_date >= (SELECT min(month) FROM {{group}}_sales_months)
                    AND i.order_date < (SELECT max(month) + interval '1 month' FROM {{group}}_sales_months)
                    AND date_trunc('month', i.order_date)::date IN (SELECT month FROM {{group}}_sales_months)))
GROUP BY 1, 2;

-- Stock per product and snapshot day of the stock months, up to the as-of date.
CREATE TEMP TABLE {{group}}_stock_days ON COMMIT DROP AS
SELECT i.snapshot_date, i.product_id, sum(i.current_stock) AS stock
FROM warehouse.fact_inventory i
WHERE i.snapshot_date <= %(as_of)s::date
  AND (%(full)s OR (i.snapshot_date >= (SELECT min(month) FROM {{group}}_stock_months)
                    AND i.snapshot_date < (SELECT max(month) + interval '1 month' FROM {{group}}_stock_months)
                    AND date_trunc('month', i.snapshot_date)::date IN (SELECT month FROM {{group}}_stock_months)))
GROUP BY 1, 2;

DELETE FROM ops.{{group}}_stock_month
WHERE %(full)s OR month = ANY(ARRAY(SELECT month FROM {{group}}_stock_months));

INSERT INTO ops.{{group}}_stock_month
SELECT date_trunc('month', s.snapshot_date)::date, p.grp, sum(s.stock)
FROM {{group}}_stock_days s
JOIN {{group}}_products p ON p.product_id = s.product_id
GROUP BY 1, 2;

DELETE FROM ops.{{group}}_snapshot_days
WHERE %(full)s OR month = ANY(ARRAY(SELECT month FROM {{group}}_stock_months));

INSERT INTO ops.{{group}}_snapshot_days
SELECT date_trunc('month', snapshot_date)::date, count(DISTINCT snapshot_date)
FROM {{group}}_stock_days
GROUP BY 1;

CREATE TABLE IF NOT EXISTS analytics.{{group}}_metrics (
    {{group}}               text          PRIMARY KEY,
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

TRUNCATE analytics.{{group}}_metrics;

INSERT INTO analytics.{{group}}_metrics
WITH sales AS (
    SELECT {{group}} AS grp,
           sum(units_sold)::bigint AS units_sold,
           sum(orders)::bigint     AS orders,
           sum(net_revenue)        AS net_revenue,
           sum(cogs)               AS cogs,
           sum(gross_profit)       AS gross_profit
    FROM ops.{{group}}_month
    GROUP BY {{group}}
),
stock AS (
    SELECT {{group}} AS grp,
           sum(stock_sum)::numeric
             / (SELECT sum(days)::bigint FROM ops.{{group}}_snapshot_days) AS avg_on_hand_units
    FROM ops.{{group}}_stock_month
    GROUP BY {{group}}
),
groups AS (
    SELECT grp, count(*) AS products FROM {{group}}_products GROUP BY grp
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
