-- Rejected lines of the window by class of problem (a line counts once per class it shows),
-- with the first line of each class as an example: what the run summary and the report name.
SELECT p.item->>'class' AS class,
       count(DISTINCT (r.source_file, r.source_line)) AS lines,
       (array_agg(r.source_file || ' line ' || r.source_line || ': ' || (p.item->>'rule')
                  ORDER BY r.source_file, r.source_line))[1] AS example
FROM {rejects} r
CROSS JOIN LATERAL jsonb_array_elements(coalesce(r.problems, '[]'::jsonb)) AS p(item)
WHERE {window}
GROUP BY 1
ORDER BY lines DESC, class;
