-- Cached days to recompute: a fact day whose build (ops.fact_builds) differs from the one the
-- cache saw, a day new to the ledger or gone from it, and every day when the marker changed.
WITH ledger AS (
    SELECT coalesce(o.day, i.day) AS day, o.build_id AS orders_build_id, i.build_id AS items_build_id
    FROM (SELECT day, build_id FROM ops.fact_builds WHERE table_name = 'fact_orders') o
    FULL JOIN (SELECT day, build_id FROM ops.fact_builds WHERE table_name = 'fact_order_items') i
      ON i.day = o.day
)
SELECT coalesce(l.day, c.day) AS day, l.day IS NOT NULL AS ledgered
FROM ledger l
FULL JOIN ops.fact_day_totals c ON c.day = l.day
WHERE l.day IS NULL OR c.day IS NULL
   OR c.orders_build_id IS DISTINCT FROM l.orders_build_id
   OR c.items_build_id IS DISTINCT FROM l.items_build_id
   OR c.marker <> %(marker)s
ORDER BY 1;
