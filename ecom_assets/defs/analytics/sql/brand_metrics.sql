-- analytics.brand_metrics: sales and stock by the current brand of each product.
-- Orders are distinct per brand (an order with two items of one brand counts once).

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
WITH products AS (
    SELECT product_id, coalesce(brand, 'Unknown') AS grp
    FROM warehouse.dim_products
    WHERE is_current AND product_id <> 'UNKNOWN'
),
sales AS (
    SELECT p.grp,
           sum(i.quantity)            AS units_sold,
           count(DISTINCT i.order_id) AS orders,
           sum(i.net_revenue)         AS net_revenue,
           sum(i.cogs)                AS cogs,
           sum(i.gross_profit)        AS gross_profit
    FROM warehouse.fact_order_items i
    JOIN products p ON p.product_id = i.product_id
    WHERE i.is_recognized
    GROUP BY p.grp
),
stock AS (
    SELECT p.grp,
           sum(i.current_stock)::numeric
             / (SELECT count(DISTINCT snapshot_date) FROM warehouse.fact_inventory
                WHERE snapshot_date <= (SELECT as_of FROM ops.run_context)) AS avg_on_hand_units
    FROM warehouse.fact_inventory i
    JOIN products p ON p.product_id = i.product_id
    WHERE i.snapshot_date <= (SELECT as_of FROM ops.run_context)
    GROUP BY p.grp
),
groups AS (
    SELECT grp, count(*) AS products FROM products GROUP BY grp
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
