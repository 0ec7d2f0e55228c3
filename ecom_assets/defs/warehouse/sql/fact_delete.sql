-- Remove the days about to be rebuilt (index on the date column; one month partition each).
DELETE FROM {fact} WHERE {date_col} = ANY(%(days)s);
