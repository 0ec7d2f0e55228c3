-- After a fact build: the ledgered days of this fact outside the run's window whose mark is
-- behind the dimension change log, and that no change since their mark reaches, are marked as
-- having seen the log up to %(max_change)s (what fact_ledger.sql does inside the window). Without
-- it a month no run rebuilds keeps its days' marks from its last build for ever, and the change
-- log's retention (dim_changes_retention.sql: drop what every consumer has passed) could drop
-- nothing. A day a change reaches keeps its mark, so the next run of its month rebuilds it
-- (fact_dim_dirty.sql), and the log keeps that change until then.
-- From the changes to the facts (natural-key index), not day by day: a day's few changes cost a
-- few index lookups. One statement per dimension of the fact ({key_col}), into pg_temp.fact_reached.
INSERT INTO pg_temp.fact_reached
SELECT DISTINCT b.day
FROM ops.dim_changes c
JOIN {fact} f
  ON f.{key_col} = c.natural_key AND f.{date_col} >= c.changed_from AND f.{date_col} < c.changed_to
JOIN ops.fact_builds b
  ON b.table_name = %(table)s AND b.day = f.{date_col} AND c.change_id > b.dim_change_id
WHERE c.dim_name = %(dim_name)s
  AND c.change_id > %(behind)s AND c.change_id <= %(max_change)s
  AND (b.day < %(start)s OR b.day >= %(end)s);
