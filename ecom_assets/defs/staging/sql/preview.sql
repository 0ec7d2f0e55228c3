-- A few staged rows of the window, in file order, for the materialization's markdown preview.
SELECT *
FROM {table}
WHERE {window}
ORDER BY _source_file, _source_line
LIMIT 5;
