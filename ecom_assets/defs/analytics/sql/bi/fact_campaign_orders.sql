-- bi.fact_campaign_orders: the attributed orders campaign_attribution sums, one row each, as the
-- attribution state (ops.campaign_order, kept by analytics/campaign_attribution) holds them.
SELECT order_id,
       order_date,
       campaign_id,
       event_id AS touch_event_id,
       net_revenue,
       gross_profit
FROM ops.campaign_order
