-- Primary key check of an event table, limited to what a run loaded: the keys that occur on
-- the days %(days)s, each counted over the whole staging table by one key-index lookup (a
-- correlated count: a join lets the planner pick a scan of the whole table), so a new day
-- costs its own keys, not the history. pk_duplicates.sql checks every key.
WITH keys AS (
    SELECT DISTINCT {key} AS k FROM {table} WHERE _day = ANY(%(days)s)
), counted AS (
    SELECT k, (SELECT count(*) FROM {table} t WHERE t.{key} = keys.k) AS n
    FROM keys
)
SELECT k::text AS key, n, count(*) OVER () AS duplicated_keys
FROM counted
WHERE n > 1
ORDER BY n DESC, key
LIMIT 20;
