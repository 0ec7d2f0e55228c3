-- analytics.campaign_attribution: the platform-reported figures of each campaign (current
-- version) beside our last-touch attribution (METRICS.md).
--
-- A recognized order goes to the campaign of the customer's latest campaign touch dated
-- order_date - 6 .. order_date, counting only touches dated inside that campaign's
-- start_date..end_date; latest event_ts wins, ties by the higher event_id. DISTINCT ON keeps
-- one touch per order, so no order is attributed twice. The per-order result is kept in a
-- temporary table for the asset checks of the same transaction.

CREATE TEMP TABLE order_attribution ON COMMIT DROP AS
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
)
SELECT DISTINCT ON (o.order_id)
       o.order_id, o.order_date, o.net_revenue, o.gross_profit, t.campaign_id, t.event_id
FROM warehouse.fact_orders o
JOIN touches t
  ON t.customer_id = o.customer_id
 AND t.event_date BETWEEN o.order_date - 6 AND o.order_date
WHERE o.is_recognized
ORDER BY o.order_id, t.event_ts DESC, t.event_id DESC;

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
    FROM order_attribution
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
