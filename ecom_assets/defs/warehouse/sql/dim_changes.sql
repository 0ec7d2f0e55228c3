-- After a dimension rebuild: record, per natural key, the date ranges on which the version in
-- effect changed (another valid_from, hence another surrogate key, or other attributes). Facts
-- rebuild only the days that reference such a key inside such a range, so a new version today
-- costs today's facts, and a replay of the same input records nothing.
INSERT INTO ops.dim_changes (dim_name, natural_key, changed_from, changed_to)
WITH new AS (
    SELECT {key} AS natural_key, valid_from, valid_to, attr_hash FROM {dim}
)
SELECT %(dim_name)s, natural_key, min(changed_from), max(changed_to)
FROM (
    SELECT n.natural_key,
           greatest(n.valid_from, o.valid_from) AS changed_from,
           least(n.valid_to, o.valid_to) AS changed_to
    FROM new n
    JOIN _dim_old o
      ON o.natural_key = n.natural_key AND o.valid_from < n.valid_to AND n.valid_from < o.valid_to
    WHERE (o.valid_from, o.attr_hash) IS DISTINCT FROM (n.valid_from, n.attr_hash)
    UNION ALL
    SELECT n.natural_key, DATE '1900-01-01', DATE '9999-12-31'
    FROM new n
    WHERE NOT EXISTS (SELECT 1 FROM _dim_old o WHERE o.natural_key = n.natural_key)
    UNION ALL
    SELECT o.natural_key, DATE '1900-01-01', DATE '9999-12-31'
    FROM _dim_old o
    WHERE NOT EXISTS (SELECT 1 FROM new n WHERE n.natural_key = o.natural_key)
) c
GROUP BY natural_key;
