-- Attribution by channel: ROAS and ROI over the summed budgets (not an average of ratios).
SELECT channel,
       count(*) AS campaigns,
       sum(budget) AS budget,
       sum(conversions) AS conversions,
       sum(attributed_orders) AS attributed_orders,
       sum(attributed_revenue) AS attributed_revenue,
       sum(attributed_gross_profit) AS attributed_gross_profit,
       round(sum(attributed_revenue) / nullif(sum(budget), 0), 2) AS roas,
       round((sum(attributed_gross_profit) - sum(budget)) / nullif(sum(budget), 0) * 100, 2) AS roi_pct
FROM analytics.campaign_attribution
GROUP BY channel
ORDER BY roi_pct DESC NULLS LAST, channel;
