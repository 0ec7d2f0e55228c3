-- Primary key check: keys that occur more than once anywhere in the staging table (all days).
-- {key_cols} is the key (event tables) or key + updated_at (dimension versions).
SELECT concat_ws(' + ', {key_cols}) AS key,
       count(*)                     AS n,
       count(*) OVER ()             AS duplicated_keys
FROM {table}
GROUP BY {key_cols}
HAVING count(*) > 1
ORDER BY n DESC, key
LIMIT 20;
