-- fact_inventory for the days %(days)s (staging _day), after those days were deleted. A file
-- without snapshot_date is one snapshot taken on its day (DATA_CONTRACT).
INSERT INTO {target} (
    inventory_id, snapshot_date, product_sk, product_id, warehouse_location, current_stock,
    reserved_stock, reorder_point, max_stock, last_restocked, supplier_id, lead_time_days)
WITH snapshots AS (
    SELECT DISTINCT ON (inventory_id, coalesce(snapshot_date, _day))
           inventory_id, coalesce(snapshot_date, _day) AS snapshot_date, product_id,
           warehouse_location, current_stock, reserved_stock, reorder_point, max_stock,
           last_restocked, supplier_id, lead_time_days
    FROM staging.inventory
    WHERE _day = ANY(%(days)s)
    ORDER BY inventory_id, coalesce(snapshot_date, _day), _day DESC, _source_file DESC,
             _source_line DESC
)
SELECT s.inventory_id, s.snapshot_date, coalesce(p.product_sk, -1), s.product_id,
       s.warehouse_location, s.current_stock, s.reserved_stock, s.reorder_point, s.max_stock,
       s.last_restocked, s.supplier_id, s.lead_time_days
FROM snapshots s
LEFT JOIN warehouse.dim_products p
  ON p.product_id = s.product_id AND s.snapshot_date >= p.valid_from AND s.snapshot_date < p.valid_to;
