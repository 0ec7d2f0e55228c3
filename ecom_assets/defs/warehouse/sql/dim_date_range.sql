-- The first data day (earliest staged event day) and the as-of date (of the loaded data).
SELECT least(
           (SELECT min(_day) FROM staging.orders),
           (SELECT min(_day) FROM staging.order_items),
           (SELECT min(_day) FROM staging.clickstream),
           (SELECT min(_day) FROM staging.inventory)) AS first_day,
       %(as_of)s::date AS as_of;
