-- dim_marketing_campaigns, SCD Type 2, rebuilt whole from every staged version (DATA_CONTRACT
-- "Versions"). Same rules as dim_customers.sql.
DELETE FROM warehouse.dim_marketing_campaigns;

INSERT INTO warehouse.dim_marketing_campaigns (
    campaign_sk, campaign_id, campaign_name, channel, start_date, end_date, budget, target_audience,
    objective, impressions, clicks, conversions, cost_per_click, conversion_rate, roi, is_active,
    valid_from, valid_to, is_current, attr_hash)
WITH day_last AS (
    SELECT DISTINCT ON (campaign_id, updated_at::date)
           campaign_id, updated_at::date AS version_day, campaign_name, channel, start_date,
           end_date, budget, target_audience, objective, impressions, clicks, conversions,
           cost_per_click, conversion_rate, roi, is_active
    FROM staging.marketing_campaigns
    ORDER BY campaign_id, updated_at::date, updated_at DESC, _source_file DESC, _source_line DESC
), hashed AS (
    SELECT d.*,
           md5(ROW(campaign_name, channel, start_date, end_date, budget, target_audience, objective,
                   impressions, clicks, conversions, cost_per_click, conversion_rate, roi,
                   is_active)::text) AS attr_hash
    FROM day_last d
), changes AS (
    SELECT h.*, lag(attr_hash) OVER (PARTITION BY campaign_id ORDER BY version_day) AS prev_hash
    FROM hashed h
), versions AS (
    SELECT c.*,
           row_number() OVER w AS version_no,
           lead(version_day) OVER w AS next_day
    FROM changes c
    WHERE prev_hash IS DISTINCT FROM attr_hash
    WINDOW w AS (PARTITION BY campaign_id ORDER BY version_day)
), dated AS (
    SELECT v.*,
           CASE WHEN version_no = 1 THEN DATE '1900-01-01' ELSE version_day END AS valid_from,
           coalesce(next_day, DATE '9999-12-31') AS valid_to
    FROM versions v
)
SELECT warehouse.version_sk(campaign_id, valid_from), campaign_id, campaign_name, channel,
       start_date, end_date, budget, target_audience, objective, impressions, clicks, conversions,
       cost_per_click, conversion_rate, roi, is_active, valid_from, valid_to, next_day IS NULL,
       attr_hash
FROM dated
UNION ALL
SELECT -1, 'UNKNOWN', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, DATE '1900-01-01', DATE '9999-12-31', true,
       md5(ROW(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL)::text);
