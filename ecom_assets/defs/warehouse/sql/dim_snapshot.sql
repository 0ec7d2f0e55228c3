-- Before a dimension rebuild: keep its current versions to diff against (ops.dim_changes).
-- {dim} and {key} are identifiers filled in by assets.py.
CREATE TEMP TABLE _dim_old ON COMMIT DROP AS
SELECT {key} AS natural_key, valid_from, valid_to, attr_hash
FROM {dim};
