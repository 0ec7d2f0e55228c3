-- analytics.campaign_attribution: the platform-reported figures of each campaign (current
-- version) beside our last-touch attribution (METRICS.md).
--
-- A recognized order goes to the campaign of the customer's latest campaign touch dated
-- order_date - 6 .. order_date, counting only touches dated inside that campaign's
-- start_date..end_date; latest event_ts wins, ties by the higher event_id. DISTINCT ON keeps
-- one touch per order, so no order is attributed twice.
--
-- Built incrementally (TableSpec facts: fact_orders, fact_clickstream, reach 6): the per-order
-- result is state, ops.campaign_order, recomputed only for the order days in %(days)s (a changed
-- clickstream day reaches the orders of the 6 days after it; every day when %(full)s). The
-- TableSpec's marker fingerprints what the attribution reads of the campaigns (current
-- campaign_id, start_date, end_date), so a change there recomputes every order. The table is
-- then rewritten from the state and the current campaigns. The asset checks of the same
-- transaction read every attributed order through the temporary view order_attribution.

-- The touch days the order days to recompute look back on.
CREATE TEMP TABLE campaign_touch_days ON COMMIT DROP AS
SELECT DISTINCT d::date - k AS day FROM unnest(%(days)s::date[]) AS d, generate_series(0, 6) AS k;

DELETE FROM ops.campaign_order
WHERE %(full)s OR order_date = ANY(%(days)s::date[]);

INSERT INTO ops.campaign_order
    (order_date, order_id, campaign_id, event_id, net_revenue, gross_profit, customer_id, touch_date)
WITH campaigns AS (
    SELECT campaign_id, start_date, end_date
    FROM warehouse.dim_marketing_campaigns
    WHERE is_current AND campaign_id <> 'UNKNOWN'
),
touches AS (
    SELECT c.customer_id, c.event_date, c.event_ts, c.event_id, k.campaign_id
    FROM warehouse.fact_clickstream c
    JOIN campaigns k
      ON k.campaign_id = c.utm_campaign
     AND c.event_date BETWEEN k.start_date AND k.end_date
    WHERE c.customer_id IS NOT NULL
      AND c.utm_campaign IS NOT NULL
      AND (%(full)s OR (c.event_date >= (SELECT min(day) FROM campaign_touch_days)
                        AND c.event_date <= (SELECT max(day) FROM campaign_touch_days)
                        AND c.event_date IN (SELECT day FROM campaign_touch_days)))
)
SELECT DISTINCT ON (o.order_id)
       o.order_date, o.order_id, t.campaign_id, t.event_id, o.net_revenue, o.gross_profit, o.customer_id,
       t.event_date
FROM warehouse.fact_orders o
JOIN touches t
  ON t.customer_id = o.customer_id
 AND t.event_date BETWEEN o.order_date - 6 AND o.order_date
WHERE o.is_recognized
  AND (%(full)s OR o.order_date = ANY(%(days)s::date[]))
ORDER BY o.order_id, t.event_ts DESC, t.event_id DESC;

CREATE OR REPLACE TEMP VIEW order_attribution AS
SELECT order_id, order_date, net_revenue, gross_profit, campaign_id, event_id
FROM ops.campaign_order;

CREATE TABLE IF NOT EXISTS analytics.campaign_attribution (
    campaign_id              text          PRIMARY KEY,
    campaign_name            text,
    channel                  text,
    budget                   numeric(14,2),
    start_date               date,
    end_date                 date,
    impressions              bigint,
    clicks                   bigint,
    conversions              bigint,
    roi                      numeric(12,4),
    attributed_orders        bigint        NOT NULL,
    attributed_revenue       numeric(14,2) NOT NULL,
    attributed_gross_profit  numeric(14,2) NOT NULL,
    roas                     numeric(14,2),
    roi_pct                  numeric(10,2)
);

TRUNCATE analytics.campaign_attribution;

INSERT INTO analytics.campaign_attribution
WITH attributed AS (
    SELECT campaign_id,
           count(*)          AS attributed_orders,
           sum(net_revenue)  AS attributed_revenue,
           sum(gross_profit) AS attributed_gross_profit
    FROM ops.campaign_order
    GROUP BY campaign_id
)
SELECT k.campaign_id,
       k.campaign_name,
       k.channel,
       k.budget,
       k.start_date,
       k.end_date,
       k.impressions,
       k.clicks,
       k.conversions,
       k.roi,
       coalesce(a.attributed_orders, 0),
       round(coalesce(a.attributed_revenue, 0), 2),
       round(coalesce(a.attributed_gross_profit, 0), 2),
       round(coalesce(a.attributed_revenue, 0) / nullif(k.budget, 0), 2),
       round((coalesce(a.attributed_gross_profit, 0) - k.budget) / nullif(k.budget, 0) * 100, 2)
FROM warehouse.dim_marketing_campaigns k
LEFT JOIN attributed a ON a.campaign_id = k.campaign_id
WHERE k.is_current AND k.campaign_id <> 'UNKNOWN'
ORDER BY k.campaign_id;
