-- Campaign effectiveness: platform-reported figures beside our last-touch attribution.
SELECT campaign_id, channel, budget, impressions, clicks, conversions, roi AS reported_roi,
       attributed_orders, attributed_revenue, attributed_gross_profit, roas, roi_pct
FROM analytics.campaign_attribution
ORDER BY roi_pct DESC NULLS LAST, campaign_id;
