-- dim_products, SCD Type 2, rebuilt whole from every staged version (DATA_CONTRACT "Versions").
-- Same rules as dim_customers.sql. cost_price is what fact_order_items reads as the unit cost in
-- effect on the order date; list_margin_pct = (selling_price - cost_price) / selling_price * 100.
DELETE FROM warehouse.dim_products;

INSERT INTO warehouse.dim_products (
    product_sk, product_id, product_name, description, category, subcategory, brand, sku,
    cost_price, selling_price, weight_kg, dimensions, color, size, rating, launch_date, is_active,
    list_margin_pct, valid_from, valid_to, is_current, attr_hash)
WITH day_last AS (
    SELECT DISTINCT ON (product_id, updated_at::date)
           product_id, updated_at::date AS version_day, product_name, description, category,
           subcategory, brand, sku, cost_price, selling_price, weight_kg, dimensions, color, size,
           rating, launch_date, is_active
    FROM staging.products
    ORDER BY product_id, updated_at::date, updated_at DESC, _source_file DESC, _source_line DESC
), hashed AS (
    SELECT d.*,
           md5(ROW(product_name, description, category, subcategory, brand, sku, cost_price,
                   selling_price, weight_kg, dimensions, color, size, rating, launch_date,
                   is_active)::text) AS attr_hash
    FROM day_last d
), changes AS (
    SELECT h.*, lag(attr_hash) OVER (PARTITION BY product_id ORDER BY version_day) AS prev_hash
    FROM hashed h
), versions AS (
    SELECT c.*,
           row_number() OVER w AS version_no,
           lead(version_day) OVER w AS next_day
    FROM changes c
    WHERE prev_hash IS DISTINCT FROM attr_hash
    WINDOW w AS (PARTITION BY product_id ORDER BY version_day)
), dated AS (
    SELECT v.*,
           CASE WHEN version_no = 1 THEN DATE '1900-01-01' ELSE version_day END AS valid_from,
           coalesce(next_day, DATE '9999-12-31') AS valid_to
    FROM versions v
)
SELECT warehouse.version_sk(product_id, valid_from), product_id, product_name, description,
       category, subcategory, brand, sku, cost_price, selling_price, weight_kg, dimensions, color,
       size, rating, launch_date, is_active,
       round((selling_price - cost_price) / nullif(selling_price, 0) * 100, 2),
       valid_from, valid_to, next_day IS NULL, attr_hash
FROM dated
UNION ALL
SELECT -1, 'UNKNOWN', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, DATE '1900-01-01', DATE '9999-12-31', true,
       md5(ROW(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL)::text);
