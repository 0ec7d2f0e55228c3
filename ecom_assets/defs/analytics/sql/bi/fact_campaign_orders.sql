-- bi.fact_campaign_orders: the attributed orders campaign_attribution sums, one row each, as the
-- attribution state (ops.campaign_order, kept by analytics/campaign_attribution) holds them; with
-- the customer and the touch's day, so listing a campaign's orders needs no join to the facts.
SELECT order_id,
       order_date,
       campaign_id,
       customer_id,
       event_id   AS touch_event_id,
       touch_date,
       order_date - touch_date AS days_from_touch,
       net_revenue,
       gross_profit
FROM ops.campaign_order
