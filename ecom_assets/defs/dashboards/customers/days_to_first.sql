-- Days from registration to first purchase as a histogram, per segment (the page's segment picker
-- sums the segments it keeps). The bin width is the smallest of 1, 2, 5, 10, 20, 50, ... days that
-- covers the whole range in at most %(max_bins)s bins, so the rows stay bounded however long the
-- history; days_from .. days_to (exclusive) is a bin, days its label. The customers per segment
-- and day are kept with customer_metrics (ops.customer_counts: a few thousand rows at any scale),
-- then binned.
WITH buyers AS (
    SELECT customer_segment, days_to_first_purchase AS days, customers
    FROM ops.customer_counts
    WHERE kind = 'days_to_first_purchase' AND days_to_first_purchase IS NOT NULL
),
span AS (
    SELECT min(days) AS lo, max(days) AS hi FROM buyers
),
width AS (
    SELECT min(w.width) AS width
    FROM span
    CROSS JOIN (
        SELECT m * 10 ^ e AS width
        FROM unnest(ARRAY[1, 2, 5]) AS m, generate_series(0, 8) AS e
    ) AS w
    WHERE floor(span.hi / w.width) - floor(span.lo / w.width) + 1 <= %(max_bins)s
),
binned AS (
    SELECT b.customer_segment, (floor(b.days / w.width) * w.width)::bigint AS days_from, w.width::bigint AS width,
           b.customers
    FROM buyers AS b
    CROSS JOIN width AS w
)
SELECT customer_segment,
       days_from,
       days_from + width AS days_to,
       CASE WHEN width = 1 THEN days_from::text ELSE days_from || '–' || (days_from + width - 1) END AS days,
       sum(customers)::bigint AS customers
FROM binned
GROUP BY customer_segment, days_from, width
ORDER BY days_from, customer_segment;
