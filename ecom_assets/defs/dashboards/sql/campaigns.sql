-- Campaign effectiveness: platform-reported figures beside our last-touch attribution, for the
-- %(max_campaigns)s campaigns with the largest budgets (ties by campaign_id), best ROI first;
-- campaigns_total counts every campaign, for the charts' captions.
SELECT campaign_id, channel, budget, impressions, clicks, conversions, reported_roi,
       attributed_orders, attributed_revenue, attributed_gross_profit, roas, roi_pct, campaigns_total
FROM (
    SELECT campaign_id, channel, budget, impressions, clicks, conversions, roi AS reported_roi,
           attributed_orders, attributed_revenue, attributed_gross_profit, roas, roi_pct,
           count(*) OVER () AS campaigns_total
    FROM analytics.campaign_attribution
    ORDER BY budget DESC NULLS LAST, campaign_id
    LIMIT %(max_campaigns)s
) AS biggest
ORDER BY roi_pct DESC NULLS LAST, campaign_id;
