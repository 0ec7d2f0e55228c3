-- Record the rebuilt days in the fact build ledger: input fingerprint, the last dimension change
-- seen, a new build id and the rows built; forget days whose input is gone; and mark every other
-- built day of the window as having seen the dimension changes up to %(max_change)s (the dirty-day
-- search just showed none of them reaches it).
INSERT INTO ops.fact_builds AS b
    (table_name, day, source_fingerprint, dim_change_id, build_id, rows_built)
SELECT %(table)s, d.day, d.fingerprint, %(max_change)s, nextval('ops.fact_build_seq'),
       coalesce(r.n, 0)
FROM unnest(%(days)s::date[], %(fingerprints)s::text[]) AS d(day, fingerprint)
LEFT JOIN (SELECT {date_col} AS day, count(*) AS n FROM {fact}
           WHERE {date_col} = ANY(%(days)s) GROUP BY {date_col}) r ON r.day = d.day
ON CONFLICT (table_name, day) DO UPDATE
SET source_fingerprint = excluded.source_fingerprint, dim_change_id = excluded.dim_change_id,
    build_id = excluded.build_id, rows_built = excluded.rows_built;

DELETE FROM ops.fact_builds WHERE table_name = %(table)s AND day = ANY(%(gone)s);

UPDATE ops.fact_builds
SET dim_change_id = %(max_change)s
WHERE table_name = %(table)s AND day >= %(start)s AND day < %(end)s
  AND dim_change_id < %(max_change)s;
