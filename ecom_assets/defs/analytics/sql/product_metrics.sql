-- analytics.product_metrics: one row per product (current version), sold or not.
-- Money comes from the fact's point-in-time item measures (net revenue after the order's
-- discount share, COGS at the cost in effect on the order date), matched on the natural key
-- so sales of every version count. Stock is averaged over the snapshot days loaded.

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
    SELECT (SELECT as_of FROM ops.run_context) - min(order_date) + 1 AS days
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
           sum(quantity)            AS units_sold,
           count(DISTINCT order_id) AS orders,
           sum(net_revenue)         AS net_revenue,
           sum(cogs)                AS cogs,
           sum(gross_profit)        AS gross_profit
    FROM warehouse.fact_order_items
    WHERE is_recognized
    GROUP BY product_id
),
stock AS (
    SELECT product_id,
           sum(current_stock)::numeric
             / (SELECT count(DISTINCT snapshot_date) FROM warehouse.fact_inventory
                WHERE snapshot_date <= (SELECT as_of FROM ops.run_context)) AS avg_on_hand_units
    FROM warehouse.fact_inventory
    WHERE snapshot_date <= (SELECT as_of FROM ops.run_context)
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
