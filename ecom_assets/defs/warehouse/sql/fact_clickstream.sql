-- fact_clickstream for the days %(days)s (staging _day), after those days were deleted, into the
-- target: the fact, or a new month partition loaded before its indexes exist (assets.py).
-- customer/product keys point in time; anonymous events (no id) keep a NULL key, an id with no
-- dimension version gets -1. utm_campaign is the page_url's utm_campaign query parameter.
INSERT INTO {target} (
    event_id, session_id, event_ts, event_date, customer_sk, customer_id, product_sk, product_id,
    event_type, page_url, utm_campaign, device_type, browser, country, duration_seconds)
WITH events AS (
    SELECT DISTINCT ON (event_id)
           event_id, session_id, "timestamp" AS event_ts, "timestamp"::date AS event_date,
           customer_id, product_id, event_type, page_url, device_type, browser, country,
           duration_seconds
    FROM staging.clickstream
    WHERE _day = ANY(%(days)s)
    ORDER BY event_id, _day DESC, _source_file DESC, _source_line DESC
)
SELECT e.event_id, e.session_id, e.event_ts, e.event_date,
       CASE WHEN e.customer_id IS NULL THEN NULL ELSE coalesce(c.customer_sk, -1) END,
       e.customer_id,
       CASE WHEN e.product_id IS NULL THEN NULL ELSE coalesce(p.product_sk, -1) END,
       e.product_id, e.event_type, e.page_url,
       substring(e.page_url FROM '[?&]utm_campaign=([^&#]+)'),
       e.device_type, e.browser, e.country, e.duration_seconds
FROM events e
LEFT JOIN warehouse.dim_customers c
  ON c.customer_id = e.customer_id AND e.event_date >= c.valid_from AND e.event_date < c.valid_to
LEFT JOIN warehouse.dim_products p
  ON p.product_id = e.product_id AND e.event_date >= p.valid_from AND e.event_date < p.valid_to;
