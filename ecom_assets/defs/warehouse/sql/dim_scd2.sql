-- {dim}: SCD Type 2, rebuilt whole from every staged version of {source} (DATA_CONTRACT "Versions").
-- One template for every dimension, filled from its DimSpec (dimensions.py): natural key {key},
-- surrogate key {sk}, tracked attributes {attrs}, derived columns {derived_names} = {derived}.
-- Day grain: the last version of a day stands; a version equal to the one before it (same
-- attribute hash) is dropped, so a re-exported unchanged row changes nothing; the first version is
-- back-dated to 1900-01-01; valid_to is exclusive, the open end is 9999-12-31.
-- Runs inside the asset's transaction after dim_snapshot.sql captured the previous rows.
DELETE FROM {dim};

INSERT INTO {dim} ({sk}, {key}, {attrs}{derived_names}, valid_from, valid_to, is_current, attr_hash)
WITH day_last AS (
    SELECT DISTINCT ON ({key}, updated_at::date)
           {key}, updated_at::date AS version_day, {attrs}
    FROM {source}
    ORDER BY {key}, updated_at::date, updated_at DESC, _source_file DESC, _source_line DESC
), hashed AS (
    SELECT d.*, md5(ROW({attrs})::text) AS attr_hash
    FROM day_last d
), changes AS (
    SELECT h.*, lag(attr_hash) OVER (PARTITION BY {key} ORDER BY version_day) AS prev_hash
    FROM hashed h
), versions AS (
    SELECT c.*,
           row_number() OVER w AS version_no,
           lead(version_day) OVER w AS next_day
    FROM changes c
    WHERE prev_hash IS DISTINCT FROM attr_hash
    WINDOW w AS (PARTITION BY {key} ORDER BY version_day)
), dated AS (
    SELECT v.*,
           CASE WHEN version_no = 1 THEN DATE '1900-01-01' ELSE version_day END AS valid_from,
           coalesce(next_day, DATE '9999-12-31') AS valid_to
    FROM versions v
)
SELECT warehouse.version_sk({key}, valid_from), {key}, {attrs}{derived},
       valid_from, valid_to, next_day IS NULL, attr_hash
FROM dated
UNION ALL
SELECT -1, 'UNKNOWN', {null_attrs}{null_derived}, DATE '1900-01-01', DATE '9999-12-31', true,
       md5(ROW({null_attrs})::text);
