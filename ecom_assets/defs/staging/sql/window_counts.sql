-- staged + rejected = read: rows in the staging table and rejected lines (one row each in the
-- rejects table) for the window, against what the load ledger says it read, staged and rejected.
SELECT
    (SELECT count(*) FROM {table} WHERE {window}) AS staged,
    (SELECT count(*) FROM {rejects} WHERE {window}) AS rejected,
    coalesce(sum(l.rows_read), 0)     AS ledger_read,
    coalesce(sum(l.rows_staged), 0)   AS ledger_staged,
    coalesce(sum(l.rows_rejected), 0) AS ledger_rejected,
    count(l.day)                      AS ledger_days
FROM ops.staging_loads l
WHERE l.table_name = %(table_name)s AND {ledger_window};
