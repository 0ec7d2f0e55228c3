-- The input fingerprint of a dimension: its SQL and the ledger of its staging source (NULL when
-- the source has no ledger entries: then it is always rebuilt), and what the last build recorded.
SELECT (SELECT md5(%(code)s || '|' || string_agg(day::text || ':' || fingerprint, ',' ORDER BY day))
        FROM ops.staging_loads
        WHERE table_name = %(source)s
        HAVING count(*) > 0) AS fingerprint,
       (SELECT source_fingerprint FROM ops.dim_builds WHERE table_name = %(table)s) AS built_fingerprint;
