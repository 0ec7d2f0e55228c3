-- The first reject records of the window, in file order, for the materialization's metadata.
SELECT source_file, source_line, column_name, value, rule
FROM {rejects}
WHERE {window}
ORDER BY source_file, source_line, column_name
LIMIT 10;
