-- ops.customer_first_days(full_build): how many customers made their first recognized order on
-- each day (first_day, customers), for the new_customers of daily_sales and monthly_sales.
--
-- Shared by both tables (TableSpec functions): build_table (re)creates it in a short transaction
-- of its own before the build, and its text is part of their code version, so changing it
-- rebuilds both whole.
--
-- From the customer state ops.customer_totals (one row per customer: O(customers)), kept by
-- customer_metrics, when it is there and has seen exactly the fact_orders builds this build sees
-- (ops.fact_builds against customer_metrics' ops.analytics_seen); else (a full build, no state,
-- customer_metrics not built since the facts changed, or a state that gives nothing) from the
-- facts. PL/pgSQL plans a query when it first runs it, so a missing ops.customer_totals is never
-- read. STABLE: every query sees the snapshot of the calling statement.

CREATE OR REPLACE FUNCTION ops.customer_first_days(full_build boolean)
RETURNS TABLE (first_day date, customers bigint)
LANGUAGE plpgsql STABLE AS
$$
DECLARE
    n bigint := 0;
BEGIN
    IF NOT full_build AND to_regclass('ops.customer_totals') IS NOT NULL THEN
        RETURN QUERY
        SELECT t.first_order_date, count(*)
        FROM ops.customer_totals t
        WHERE NOT EXISTS (
            SELECT 1
            FROM (SELECT day, build_id FROM ops.fact_builds WHERE table_name = 'fact_orders') b
            FULL JOIN (SELECT day, build_id FROM ops.analytics_seen
                       WHERE table_name = 'customer_metrics' AND fact = 'fact_orders') s ON s.day = b.day
            WHERE b.build_id IS DISTINCT FROM s.build_id)
        GROUP BY t.first_order_date;
        GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    IF n = 0 THEN
        RETURN QUERY
        SELECT f.day1, count(*)
        FROM (SELECT min(o.order_date) AS day1
              FROM warehouse.fact_orders o WHERE o.is_recognized GROUP BY o.customer_id) f
        GROUP BY f.day1;
    END IF;
END
$$;
