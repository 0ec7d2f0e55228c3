-- Retention of the dimension change log ops.dim_changes: a change row is dropped once every
-- consumer has passed it, i.e. its change_id is at most
--   * the lowest mark of the fact build ledger (ops.fact_builds.dim_change_id: each fact day has
--     seen the log up to its mark; fact_ledger.sql and fact_ledger_advance.sql move the marks), and
--   * the change customer_metrics last saw (%(customers_seen)s: ops.customer_rows_seen, NULL
--     when it has none).
-- The newest row of each dimension stays, so the log's maximum never goes back (the fact planner's
-- max_change and customer_metrics' "latest >= seen" test read it). Nothing is dropped while no fact
-- has a ledger (a warehouse before its first fact build). Returns the rows dropped.
WITH horizon AS (
    SELECT least(
               (SELECT min(dim_change_id) FROM ops.fact_builds),
               %(customers_seen)s::bigint
           ) AS upto
    WHERE EXISTS (SELECT 1 FROM ops.fact_builds)
)
DELETE FROM ops.dim_changes c
USING horizon h
WHERE c.change_id <= h.upto
  AND c.change_id < (SELECT max(l.change_id) FROM ops.dim_changes l WHERE l.dim_name = c.dim_name);
