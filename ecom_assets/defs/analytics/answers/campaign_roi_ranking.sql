-- Which marketing campaigns generate the best ROI? (METRICS.md question 4)
-- Every campaign that has started by the as-of date, best ROI % first (ties by campaign_id);
-- a campaign that has not started yet has no return to rank (its roi_pct is -100 by definition).
-- Running campaigns are ranked on what they have brought so far and say so in `status`.
-- `reported_roi` is the ad platform's own figure, a ratio (return per dollar), not a percent.
SELECT row_number() OVER (ORDER BY c.roi_pct DESC, c.campaign_id) AS roi_rank,
       c.campaign_id,
       c.campaign_name,
       c.channel,
       c.start_date,
       c.end_date,
       CASE WHEN c.end_date < r.as_of THEN 'Ended' ELSE 'Running' END AS status,
       c.budget,
       c.attributed_orders,
       c.attributed_revenue,
       c.attributed_gross_profit,
       c.roas,
       c.roi_pct,
       c.conversions AS reported_conversions,
       c.roi AS reported_roi
FROM analytics.campaign_attribution AS c
CROSS JOIN ops.run_context AS r
WHERE (c.start_date <= r.as_of OR c.start_date IS NULL)
  AND c.roi_pct IS NOT NULL
ORDER BY roi_rank
