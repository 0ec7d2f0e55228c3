-- Checks of fact_inventory over the window [%(start)s, %(end)s): one row of counts.
-- One pass over the window's facts, each joined once to its product version (its primary key),
-- and one over the staged rows.
WITH facts AS (
    SELECT
        count(*) AS fact_rows,
        count(*) FILTER (WHERE p.product_sk IS NULL) AS unresolved_keys,
        count(*) FILTER (WHERE f.product_sk = -1) AS unknown_products,
        count(*) FILTER (
            WHERE f.current_stock < 0 OR f.reserved_stock < 0 OR f.reorder_point < 0 OR f.max_stock < 0
        ) AS negative_values
    FROM warehouse.fact_inventory f
    LEFT JOIN warehouse.dim_products p ON p.product_sk = f.product_sk
    WHERE f.snapshot_date >= %(start)s AND f.snapshot_date < %(end)s
), staged AS (
    SELECT count(*) AS staged_rows,
           count(DISTINCT (inventory_id, coalesce(snapshot_date, _day))) AS staged_keys
    FROM staging.inventory
    WHERE _day >= %(start)s AND _day < %(end)s
)
SELECT facts.fact_rows, staged.staged_rows, staged.staged_keys, facts.unresolved_keys,
       facts.unknown_products, facts.negative_values
FROM facts, staged;
