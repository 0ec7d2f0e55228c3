-- Per day of the window [%(start)s, %(end)s): the fingerprint of the fact's input now (its SQL,
-- the ops.staging_loads fingerprints of its staging sources and, for a fact built from another
-- fact, that fact's build id of the day), how many sources have staged rows but no ledger entry
-- (such a day is always rebuilt), whether any source has staged rows, and what the last build of
-- the day recorded in ops.fact_builds. {unledgered} and {has_rows} are composed in assets.py.
WITH days AS (
    SELECT g::date AS day
    FROM generate_series(%(start)s::date, %(end)s::date - 1, interval '1 day') AS g
), ledger AS (
    SELECT day,
           string_agg(table_name || ':' || fingerprint, ',' ORDER BY table_name) AS inputs,
           count(*) AS sources
    FROM ops.staging_loads
    WHERE table_name = ANY(%(sources)s) AND day >= %(start)s AND day < %(end)s
    GROUP BY day
)
SELECT d.day,
       md5(%(code)s || '|' || coalesce(l.inputs, '') || '|' || coalesce(u.build_id::text, ''))
           AS fingerprint,
       coalesce(l.sources, 0) AS ledgered_sources,
       {unledgered} AS unledgered_sources,
       {has_rows} AS has_rows,
       b.source_fingerprint AS built_fingerprint
FROM days d
LEFT JOIN ledger l ON l.day = d.day
LEFT JOIN ops.fact_builds b ON b.table_name = %(table)s AND b.day = d.day
LEFT JOIN ops.fact_builds u ON u.table_name = %(upstream)s AND u.day = d.day
ORDER BY d.day;
