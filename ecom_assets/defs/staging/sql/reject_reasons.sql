-- The most frequent reject rules in the window: what a human should look at first. A rejected
-- line carries every rule it broke in ``problems``; each counts once per line.
SELECT p.item->>'rule' AS rule, count(*) AS records, count(DISTINCT (r.source_file, r.source_line)) AS rows_affected
FROM {rejects} r
CROSS JOIN LATERAL jsonb_array_elements(
    coalesce(r.problems, jsonb_build_array(jsonb_build_object('rule', r.rule)))) AS p(item)
WHERE {window}
GROUP BY 1
ORDER BY records DESC, rule
LIMIT 10;
