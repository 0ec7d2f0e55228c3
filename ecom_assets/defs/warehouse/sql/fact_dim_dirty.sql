-- Built days of the window that a dimension change since their build reaches: a change of a key
-- the day's facts reference ({key_col}), whose changed date range covers the day.
SELECT DISTINCT b.day
FROM ops.fact_builds b
JOIN ops.dim_changes c
  ON c.dim_name = %(dim_name)s
 AND c.change_id > b.dim_change_id AND c.change_id <= %(max_change)s
 AND c.changed_from <= b.day AND b.day < c.changed_to
WHERE b.table_name = %(table)s AND b.day >= %(start)s AND b.day < %(end)s
  AND EXISTS (SELECT 1 FROM {fact} f WHERE f.{date_col} = b.day AND f.{key_col} = c.natural_key);
