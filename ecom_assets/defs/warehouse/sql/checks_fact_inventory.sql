-- Checks of fact_inventory over the window [%(start)s, %(end)s): one row of counts.
WITH f AS (
    SELECT * FROM warehouse.fact_inventory
    WHERE snapshot_date >= %(start)s AND snapshot_date < %(end)s
)
SELECT
    (SELECT count(*) FROM f) AS fact_rows,
    (SELECT count(*) FROM staging.inventory
      WHERE _day >= %(start)s AND _day < %(end)s) AS staged_rows,
    (SELECT count(*) FROM (SELECT DISTINCT inventory_id, coalesce(snapshot_date, _day)
                           FROM staging.inventory
                           WHERE _day >= %(start)s AND _day < %(end)s) k) AS staged_keys,
    (SELECT count(*) FROM f
      WHERE NOT EXISTS (SELECT 1 FROM warehouse.dim_products p WHERE p.product_sk = f.product_sk))
        AS unresolved_keys,
    (SELECT count(*) FROM f WHERE product_sk = -1) AS unknown_products,
    (SELECT count(*) FROM f
      WHERE current_stock < 0 OR reserved_stock < 0 OR reorder_point < 0 OR max_stock < 0)
        AS negative_values;
