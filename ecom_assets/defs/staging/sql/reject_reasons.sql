-- The most frequent reject rules in the window: what a human should look at first.
SELECT rule, count(*) AS records, count(DISTINCT (source_file, source_line)) AS rows_affected
FROM {rejects}
WHERE {window}
GROUP BY rule
ORDER BY records DESC, rule
LIMIT 10;
