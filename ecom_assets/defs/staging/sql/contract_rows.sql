-- The staged rows of the window as text, for re-validation with the pandera contract.
-- Booleans come back as 1/0 and dates in ISO form, which the staging parser reads.
COPY (SELECT {columns} FROM {table} WHERE {window}) TO STDOUT (FORMAT csv, HEADER true)
