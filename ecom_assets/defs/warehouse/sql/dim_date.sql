-- dim_date: one row per calendar day in [%(start)s, %(end)s], rebuilt whole (small).
-- 'Day' / 'Month' in to_char are English whatever lc_time says (only TMDay is localised).
DELETE FROM warehouse.dim_date;

INSERT INTO warehouse.dim_date (
    date_key, date, day_of_week, day_name, iso_week, week_start, month, month_name, month_start,
    quarter, year, is_weekend)
SELECT to_char(d, 'YYYYMMDD')::integer,
       d,
       extract(isodow FROM d)::smallint,
       trim(to_char(d, 'Day')),
       extract(week FROM d)::smallint,
       date_trunc('week', d)::date,
       extract(month FROM d)::smallint,
       trim(to_char(d, 'Month')),
       date_trunc('month', d)::date,
       extract(quarter FROM d)::smallint,
       extract(year FROM d)::smallint,
       extract(isodow FROM d) IN (6, 7)
FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS g(ts),
     LATERAL (SELECT g.ts::date AS d) AS day;
