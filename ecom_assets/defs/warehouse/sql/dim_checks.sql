-- SCD2 integrity of one dimension, one row of counts (0 = healthy). {dim}, {key}, {attrs} are
-- filled in by assets.py from the dimension's spec; attr_hash is recomputed exactly as built.
WITH ordered AS (
    SELECT {key} AS natural_key, valid_from, valid_to,
           lead(valid_from) OVER (PARTITION BY {key} ORDER BY valid_from) AS next_from,
           row_number() OVER (PARTITION BY {key} ORDER BY valid_from) AS version_no
    FROM {dim}
), current_rows AS (
    SELECT {key} AS natural_key, count(*) FILTER (WHERE is_current) AS n_current
    FROM {dim}
    GROUP BY {key}
)
SELECT
    (SELECT count(*) FROM {dim}) AS row_count,
    (SELECT count(DISTINCT {key}) FROM {dim}) AS natural_keys,
    (SELECT count(*) FROM current_rows WHERE n_current <> 1) AS keys_without_one_current_row,
    (SELECT count(*) FROM ordered WHERE next_from IS NOT NULL AND next_from < valid_to) AS overlaps,
    (SELECT count(*) FROM ordered WHERE next_from IS NOT NULL AND next_from > valid_to) AS gaps,
    (SELECT count(*) FROM ordered
      WHERE (version_no = 1 AND valid_from <> DATE '1900-01-01')
         OR (next_from IS NULL AND valid_to <> DATE '9999-12-31')) AS open_ends_wrong,
    (SELECT count(*) FROM {dim} WHERE valid_from >= valid_to) AS empty_ranges,
    (SELECT count(*) FROM {dim} WHERE attr_hash <> md5(ROW({attrs})::text)) AS hash_mismatches,
    (SELECT count(*) FROM {dim} WHERE {sk} = -1) AS unknown_members;
