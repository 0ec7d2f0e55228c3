"""The customer-side tables built incrementally (customer_metrics, daily_sales, monthly_sales).

On the hand-made warehouse of ``seed.py``, with a fact build ledger (``ops.fact_builds``) written
by the tests, so that a build after a change is incremental as in a daily run: each change to
``warehouse.fact_orders`` records a new build of the days it touched, the three tables are built,
and the answer is checked by hand and against a full rebuild (run in a transaction that is rolled
back, so the incremental chain goes on from its own state). The state in ``ops`` is compared too.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from decimal import Decimal as Dec
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg.rows import dict_row

from ecom_assets.defs.analytics import assets as analytics_assets
from ecom_assets.defs.analytics import incremental
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.lib import postgres
from ecom_assets.lib.sql_files import SqlFiles
from ecom_assets_tests.analytics import seed
from ecom_assets_tests.analytics.seed import AS_OF, d
from ecom_assets_tests.conftest import create_database, drop_database

D = dt.date
TABLES = ("customer_metrics", "daily_sales", "monthly_sales")
STATE = ("ops.customer_day", "ops.customer_totals", "ops.customer_rows")
SPECS = {s.name: s for s in analytics_assets.TABLES}


@pytest.fixture
def url(admin_url: str) -> Iterator[str]:
    """A seeded warehouse with every fact_orders day in the ledger and the three tables built."""
    url = create_database(admin_url, prefix="ecom_incr_cust")
    try:
        with psycopg.connect(url) as conn:
            seed.seed(conn)
            days = [r[0] for r in conn.execute("SELECT DISTINCT order_date FROM warehouse.fact_orders")]
            rebuilt(conn, *days)
        first = build(url)
        assert {t: r.metadata["build_reason"] for t, r in first.items()} == dict.fromkeys(
            TABLES, "first build"
        )
        yield url
    finally:
        drop_database(admin_url, url)


def rebuilt(conn: psycopg.Connection, *days: dt.date) -> None:
    """Record in the ledger a new build of ``days`` of fact_orders, as the warehouse does; a day
    left without rows is forgotten."""
    conn.execute(
        "INSERT INTO ops.fact_builds (table_name, day, source_fingerprint, dim_change_id, build_id, rows_built) "
        "SELECT 'fact_orders', day, 'test', 0, nextval('ops.fact_build_seq'), "
        "       (SELECT count(*) FROM warehouse.fact_orders WHERE order_date = day) "
        "FROM unnest(%s::date[]) AS day "
        "ON CONFLICT (table_name, day) DO UPDATE SET build_id = excluded.build_id, rows_built = excluded.rows_built",
        (list(days),),
    )
    conn.execute("DELETE FROM ops.fact_builds WHERE table_name = 'fact_orders' AND rows_built = 0")


def add_order(
    conn: psycopg.Connection,
    order_id: str,
    day: dt.date,
    customer_id: str,
    net: str,
    status: str = "Completed",
) -> None:
    conn.execute("SELECT warehouse.ensure_month_partition('fact_orders', %s)", (day.replace(day=1),))
    recognized = status.lower() not in ("cancelled", "returned")
    conn.execute(
        "INSERT INTO warehouse.fact_orders (order_id, order_date, customer_sk, customer_id, order_status, "
        "is_recognized, subtotal, discount_amount, shipping_cost, tax_amount, total_amount, net_revenue, "
        "cogs, gross_profit, item_count, units) "
        "VALUES (%s, %s, 0, %s, %s, %s, %s, 0, 0, 0, %s, %s, 0, %s, 1, 1)",
        (order_id, day, customer_id, status, recognized, net, net, net, net),
    )


def build(url: str, *tables: str) -> dict[str, dg.MaterializeResult]:
    """Build the tables as their assets do (customer_metrics first, as the run orders them)."""
    warehouse = PostgresResource(database_url=url)
    return {t: analytics_assets.build_table(warehouse, SPECS[t]) for t in tables or TABLES}


def checksums(conn: psycopg.Connection) -> dict[str, str | None]:
    names = (*(f"analytics.{t}" for t in TABLES), *STATE)
    exists = {t: conn.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0] is not None for t in names}
    return {t: postgres.table_checksum(conn, t) if exists[t] else None for t in names}


def full_rebuild_checksums(url: str) -> dict[str, str]:
    """What a full_refresh build of the three tables gives, without keeping it."""
    with psycopg.connect(url) as conn:
        as_of = analytics_assets.require_as_of(conn)
        for t in TABLES:
            delta = incremental.plan(
                conn, t, SPECS[t].facts, analytics_assets.SQL.md5(t), as_of, full_refresh=True
            )
            analytics_assets.SQL.run(conn, t, delta.params())
        out = checksums(conn)
        conn.rollback()
    return out


def assert_matches_full_rebuild(url: str, tables: tuple[str, ...] = ()) -> None:
    with psycopg.connect(url) as conn:
        now = checksums(conn)
    full = full_rebuild_checksums(url)
    names = [f"analytics.{t}" for t in tables] if tables else list(now)
    assert [n for n in names if now[n] != full[n]] == []


def assert_incremental(results: dict[str, dg.MaterializeResult], changed_days: int) -> None:
    for t, r in results.items():
        assert (r.metadata["build"], r.metadata["changed_fact_days"]) == ("incremental", changed_days), t
        # blocking checks only: the seed's C6 ordered before registering (a warning)
        failed = [
            c.check_name
            for c in r.check_results
            if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
        ]
        assert failed == [], t


def rows(url: str, query: str, *params: object) -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(query, params or None).fetchall()


def customer(url: str, cid: str) -> dict:
    (row,) = rows(url, "SELECT * FROM analytics.customer_metrics WHERE customer_id = %s", cid)
    return row


def day(url: str, when: dt.date) -> dict:
    (row,) = rows(url, "SELECT * FROM analytics.daily_sales WHERE sales_date = %s", when)
    return row


def month(url: str, first: dt.date) -> dict:
    (row,) = rows(url, "SELECT * FROM analytics.monthly_sales WHERE month = %s", first)
    return row


def totals(url: str) -> dict[str, dict]:
    return {r["customer_id"]: r for r in rows(url, "SELECT * FROM ops.customer_totals")}


def test_state_after_the_first_build(url: str) -> None:
    t = totals(url)
    # every customer_id with a recognized order, the one without a dimension row included
    assert sorted(t) == ["C1", "C10", "C11", "C2", "C3", "C4", "C5", "C6", "C8", "C9", "CUST_GHOST"]
    # C8: 12-01 (two recognized orders, ORD_0001 the lower id: 45.00), 12-20 (30.00)
    assert (t["C8"]["total_orders"], t["C8"]["total_spent"], t["C8"]["first_order_value"]) == (
        3,
        Dec("85.00"),
        Dec("45.00"),
    )
    day_rows = rows(url, "SELECT * FROM ops.customer_day WHERE customer_id = 'C8' ORDER BY order_date")
    assert [(r["order_date"], r["orders"], r["first_order_id"]) for r in day_rows] == [
        (D(2025, 12, 1), 2, "ORD_0001"),
        (D(2025, 12, 20), 1, "ORD_0004"),
    ]
    # the incremental statements find a day's and a customer's rows by index
    indexes = rows(
        url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'ops' AND tablename LIKE 'customer_%'"
    )
    assert sorted(r["indexname"] for r in indexes) == [
        "customer_day_date_idx",
        "customer_day_pkey",
        "customer_rows_pkey",
        "customer_totals_pkey",
    ]
    # the table is a view over the stored rows (the as-of columns are computed when read)
    kind = rows(url, "SELECT relkind FROM pg_class WHERE oid = 'analytics.customer_metrics'::regclass")
    assert kind == [{"relkind": "v"}]
    assert_matches_full_rebuild(url)


def test_new_day_updates_its_customers(url: str) -> None:
    new = AS_OF + dt.timedelta(days=1)  # 2026-01-01, a new month too
    with psycopg.connect(url) as conn:
        add_order(conn, "ORD_N1", new, "C1", "40.00")
        add_order(conn, "ORD_N2", new, "C7", "25.00")  # C7's first purchase
        add_order(conn, "ORD_N3", new, "C7", "15.00", status="Cancelled")
        seed.set_as_of(conn, new)
        rebuilt(conn, new)
    assert_incremental(build(url), changed_days=1)

    c1, c7 = customer(url, "C1"), customer(url, "C7")
    assert (c1["total_orders"], c1["total_spent"], c1["first_order_date"], c1["last_order_date"]) == (
        2,
        Dec("90.00"),
        d(90),
        new,
    )
    assert (c1["days_since_last_order"], c1["churn_risk"], c1["first_order_value"]) == (
        0,
        "Low",
        Dec("50.00"),
    )
    assert (c7["total_orders"], c7["first_order_date"], c7["first_order_value"]) == (1, new, Dec("25.00"))
    assert (c7["acquisition_bucket"], c7["churn_risk"]) == ("After month", "Low")  # registered 2025-01-01

    today = day(url, new)
    assert (today["orders"], today["net_revenue"], today["unique_customers"]) == (2, Dec("65.00"), 2)
    assert (today["new_customers"], today["cancelled_orders"]) == (1, 1)
    jan = month(url, D(2026, 1, 1))
    assert (jan["orders"], jan["new_customers"], jan["net_revenue_growth_pct"]) == (
        2,
        1,
        Dec("-71.11"),
    )  # 225 -> 65
    assert_matches_full_rebuild(url)


def test_a_day_rewrites_only_its_customers_and_the_changed_dimension_rows(url: str) -> None:
    """New day: C1 orders; C9 moves to Premium (a new SCD2 version); C12 registers without
    ordering; C10's current row disappears (no current version left). Exactly those rows are
    rewritten, the rest are the stored rows of the previous build, and the result is a full
    rebuild's."""
    new = AS_OF + dt.timedelta(days=1)
    with psycopg.connect(url) as conn:
        before = {r[0]: r[1] for r in conn.execute("SELECT customer_id, ctid::text FROM ops.customer_rows")}
        add_order(conn, "ORD_N1", new, "C1", "40.00")
        conn.execute(
            "UPDATE warehouse.dim_customers SET valid_to = %s, is_current = false "
            "WHERE customer_id IN ('C9', 'C10') AND is_current",
            (new,),
        )
        conn.execute(
            "INSERT INTO warehouse.dim_customers (customer_sk, customer_id, registration_date, customer_segment, "
            "valid_from, valid_to, is_current, attr_hash) VALUES "
            "(901, 'C9', '2025-01-01', 'Premium', %(new)s, '9999-12-31', true, 'c'), "
            "(912, 'C12', %(new)s, NULL, %(new)s, '9999-12-31', true, 'c')",
            {"new": new},
        )
        seed.set_as_of(conn, new)
        rebuilt(conn, new)
    result = build(url)["customer_metrics"]
    assert_incremental({"customer_metrics": result}, changed_days=1)
    assert result.metadata["rows_rebuilt"] == 3  # C1, C9, C12 (C10's row is deleted)
    assert result.metadata["dagster/row_count"] == len(before)  # C10 out, C12 in
    contract = next(c for c in result.check_results if c.check_name == "contract")
    assert (contract.metadata["rows_validated"].value, contract.metadata["table_rows"].value) == (3, 11)
    after = {
        r["customer_id"]: r["ctid"]
        for r in rows(url, "SELECT customer_id, ctid::text FROM ops.customer_rows")
    }
    assert sorted(c for c in after if after[c] != before.get(c)) == ["C1", "C12", "C9"]
    assert "C10" not in after
    c9, c12 = customer(url, "C9"), customer(url, "C12")
    assert (c9["customer_segment"], c9["total_orders"] > 0) == ("Premium", True)
    assert (c12["customer_segment"], c12["acquisition_bucket"], c12["churn_risk"]) == (
        "Unknown",
        "No purchase",
        "No purchase",
    )
    # every other customer's as-of columns moved with the as-of date, without a rewrite
    assert customer(url, "C6")["days_since_last_order"] == 367
    assert_matches_full_rebuild(url)


def test_customer_whose_only_order_is_cancelled_leaves_the_totals(url: str) -> None:
    assert day(url, D(2025, 12, 20))["new_customers"] == 2  # C9 and C10
    with psycopg.connect(url) as conn:
        conn.execute(
            "UPDATE warehouse.fact_orders SET order_status = 'Cancelled', is_recognized = false "
            "WHERE order_id = 'ORD_0101'"
        )
        rebuilt(conn, D(2025, 12, 20))
    assert_incremental(build(url), changed_days=1)

    assert "C9" not in totals(url)
    c9 = customer(url, "C9")
    assert (c9["total_orders"], c9["total_spent"], c9["first_order_date"], c9["churn_risk"]) == (
        0,
        Dec("0.00"),
        None,
        "No purchase",
    )
    dec20 = day(url, D(2025, 12, 20))
    assert (dec20["orders"], dec20["new_customers"], dec20["cancelled_orders"]) == (2, 1, 1)
    assert month(url, D(2025, 12, 1))["new_customers"] == 3
    assert_matches_full_rebuild(url)


def test_first_order_moving_earlier_and_back_moves_new_customers(url: str) -> None:
    early, late = D(2025, 12, 5), D(2025, 12, 25)
    assert (day(url, early)["new_customers"], day(url, D(2025, 12, 20))["new_customers"]) == (0, 2)
    with psycopg.connect(url) as conn:
        add_order(conn, "ORD_0150", early, "C10", "25.00")  # C10's first order was on 12-20
        rebuilt(conn, early)
    assert_incremental(build(url), changed_days=1)
    c10 = customer(url, "C10")
    assert (c10["first_order_date"], c10["first_order_value"], c10["total_orders"]) == (
        early,
        Dec("25.00"),
        2,
    )
    assert (day(url, early)["new_customers"], day(url, D(2025, 12, 20))["new_customers"]) == (1, 1)
    assert_matches_full_rebuild(url)

    with psycopg.connect(url) as conn:  # the order is re-dated after the 12-20 one
        conn.execute("DELETE FROM warehouse.fact_orders WHERE order_id = 'ORD_0150'")
        add_order(conn, "ORD_0150", late, "C10", "25.00")
        rebuilt(conn, early, late)
    assert_incremental(build(url), changed_days=2)
    c10 = customer(url, "C10")
    assert (c10["first_order_date"], c10["last_order_date"], c10["first_order_value"]) == (
        D(2025, 12, 20),
        late,
        Dec("50.00"),
    )
    assert (day(url, early)["new_customers"], day(url, D(2025, 12, 20))["new_customers"]) == (0, 2)
    assert day(url, late)["new_customers"] == 0
    assert_matches_full_rebuild(url)


def test_as_of_moving_updates_days_since_last_order(url: str) -> None:
    assert (customer(url, "C1")["days_since_last_order"], customer(url, "C1")["churn_risk"]) == (90, "Low")
    with psycopg.connect(url) as conn:
        seed.set_as_of(conn, AS_OF + dt.timedelta(days=1))  # no fact changes
    assert_incremental(build(url), changed_days=0)
    c1 = customer(url, "C1")
    assert (c1["days_since_last_order"], c1["churn_risk"], c1["churn_risk_score"]) == (
        91,
        "Medium",
        Dec("0.4"),
    )
    assert customer(url, "C6")["days_since_last_order"] == 367
    assert (day(url, AS_OF + dt.timedelta(days=1))["orders"], month(url, D(2026, 1, 1))["orders"]) == (0, 0)
    assert month(url, D(2026, 1, 1))["net_revenue_growth_pct"] == Dec("-100.00")
    assert_matches_full_rebuild(url)


def test_as_of_moving_back_over_orders_and_forward_again(url: str) -> None:
    """A month's figures stop at the as-of date: the as-of month is recomputed when it moves."""
    # 12-19 leaves out the three orders of 12-20; 2026-01-02 takes them in (December is no longer
    # the as-of month); back to 12-19 (December, not the last month, is the as-of month again);
    # 11-20 drops December
    steps = (
        (D(2025, 12, 19), 3),
        (D(2026, 1, 2), 6),
        (D(2025, 12, 19), 3),
        (D(2025, 11, 20), None),
        (AS_OF, 6),
    )
    for as_of, dec_orders in steps:
        with psycopg.connect(url) as conn:
            seed.set_as_of(conn, as_of)
        build(url)  # the customer contract fails while orders lie after the as-of date: not checked here
        assert rows(url, "SELECT max(sales_date) AS last FROM analytics.daily_sales")[0]["last"] == as_of
        dec = rows(url, "SELECT orders FROM analytics.monthly_sales WHERE month = '2025-12-01'")
        assert [r["orders"] for r in dec] == ([dec_orders] if dec_orders is not None else [])
        assert_matches_full_rebuild(url)


def test_removed_days_shrink_the_range_and_the_totals(url: str) -> None:
    first = d(366)  # the first order day (C6's only order)
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM warehouse.fact_orders WHERE order_id IN ('ORD_C6', 'ORD_GHOST')")
        rebuilt(conn, first, D(2025, 9, 15))
    assert_incremental(build(url), changed_days=2)
    assert "C6" not in totals(url) and "CUST_GHOST" not in totals(url)
    assert customer(url, "C6")["acquisition_bucket"] == "No purchase"
    assert rows(url, "SELECT min(sales_date) AS first FROM analytics.daily_sales")[0]["first"] == d(365)
    assert day(url, D(2025, 9, 15))["orders"] == 0
    assert_matches_full_rebuild(url)


def test_sales_tables_read_the_facts_while_the_customer_state_lags(url: str) -> None:
    """daily/monthly_sales built after a fact change but before customer_metrics: new_customers
    comes from the facts, not from the customer state of the previous build."""
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM warehouse.fact_orders WHERE order_id = 'ORD_0102'")  # C10's only order
        rebuilt(conn, D(2025, 12, 20))
    assert_incremental(build(url, "daily_sales", "monthly_sales"), changed_days=1)
    assert "C10" in totals(url)  # the state has not seen the change yet
    assert day(url, D(2025, 12, 20))["new_customers"] == 1
    assert month(url, D(2025, 12, 1))["new_customers"] == 3
    assert_matches_full_rebuild(url, ("daily_sales", "monthly_sales"))

    assert_incremental(build(url, "customer_metrics"), changed_days=1)
    assert "C10" not in totals(url)
    assert_matches_full_rebuild(url)


def test_lost_customer_state_is_rebuilt_and_never_read(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE ops.customer_totals")
        add_order(conn, "ORD_0160", D(2025, 12, 6), "C11", "20.00")  # C11's first order was 12-12
        rebuilt(conn, D(2025, 12, 6))
    assert_incremental(build(url, "daily_sales", "monthly_sales"), changed_days=1)
    assert (day(url, D(2025, 12, 6))["new_customers"], day(url, D(2025, 12, 12))["new_customers"]) == (1, 0)
    assert_matches_full_rebuild(url, ("daily_sales", "monthly_sales"))

    result = build(url, "customer_metrics")["customer_metrics"]
    assert (result.metadata["build"], result.metadata["build_reason"]) == (
        "full",
        "missing ops.customer_totals",
    )
    assert totals(url)["C11"]["first_order_date"] == D(2025, 12, 6)
    assert_matches_full_rebuild(url)


def test_shared_function_is_recreated_and_versions_the_sales_tables(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ops.customer_first_days (customer_first_days.sql, called by daily and monthly_sales) is
    recreated by their builds when it is gone, and a change to it rebuilds both whole."""
    with psycopg.connect(url) as conn:
        conn.execute("DROP FUNCTION ops.customer_first_days(boolean)")
        add_order(conn, "ORD_0161", D(2025, 12, 6), "C11", "20.00")  # C11's first order was 12-12
        rebuilt(conn, D(2025, 12, 6))
    assert_incremental(build(url), changed_days=1)
    assert (day(url, D(2025, 12, 6))["new_customers"], day(url, D(2025, 12, 12))["new_customers"]) == (1, 0)

    sql_dir = tmp_path / "sql"
    shutil.copytree(analytics_assets.SQL.folder, sql_dir)
    ddl = sql_dir / "customer_first_days.sql"
    ddl.write_text(ddl.read_text(encoding="utf-8") + "-- changed\n", encoding="utf-8")
    monkeypatch.setattr(analytics_assets, "SQL", SqlFiles(sql_dir))
    results = build(url)
    assert {t: r.metadata["build_reason"] for t, r in results.items()} == {
        "customer_metrics": "incremental",
        "daily_sales": "SQL changed",
        "monthly_sales": "SQL changed",
    }
    assert_matches_full_rebuild(url)


def test_a_warehouse_from_before_the_view_is_upgraded(url: str) -> None:
    """Until 2026-11 analytics.customer_metrics was a table with bi.customer_metrics over it. The
    next build (full: no ops.customer_rows yet, and its SQL changed) replaces the table by the view, and bi_access
    makes the bi view again."""
    from ecom_assets.defs.analytics import bi

    with psycopg.connect(url) as conn:
        expected = postgres.table_checksum(conn, "analytics.customer_metrics")
        conn.execute("DROP VIEW analytics.customer_metrics")
        conn.execute("DROP TABLE ops.customer_rows")
        conn.execute("CREATE TABLE analytics.customer_metrics AS SELECT 1 AS customer_id")
        bi.publish(conn, [v for v in bi.views() if v.name == "customer_metrics"])
        conn.execute("UPDATE ops.analytics_builds SET code = 'before' WHERE table_name = 'customer_metrics'")
    result = build(url, "customer_metrics")["customer_metrics"]
    assert (result.metadata["build"], result.metadata["build_reason"]) == (
        "full",
        "missing ops.customer_rows",
    )
    with psycopg.connect(url) as conn:
        kind = conn.execute("SELECT relkind FROM pg_class WHERE oid = 'analytics.customer_metrics'::regclass")
        assert kind.fetchone()[0] == "v"
        assert postgres.table_checksum(conn, "analytics.customer_metrics") == expected
        assert conn.execute("SELECT to_regclass('bi.customer_metrics')").fetchone()[0] is None  # went with it
        made, _ = bi.publish(conn, [v for v in bi.views() if v.name == "customer_metrics"])
        assert [v.name for v in made] == ["customer_metrics"]
        assert conn.execute("SELECT count(*) FROM bi.customer_metrics").fetchone()[0] == len(seed.CUSTOMERS)


def log_dim_changes(conn: psycopg.Connection, *customer_ids: str) -> None:
    """What a pipeline build of dim_customers logs for the customers whose versions it changed."""
    conn.execute(
        "INSERT INTO ops.dim_changes (dim_name, natural_key, changed_from, changed_to) "
        "SELECT 'dim_customers', k, '1900-01-01', '9999-12-31' FROM unnest(%s::text[]) AS k",
        (list(customer_ids),),
    )


def test_dimension_changes_come_from_the_change_ledger(url: str) -> None:
    """With a dimension change ledger (ops.dim_changes, as the pipeline keeps it) a build rewrites
    the customers logged since the change it last saw, without comparing every customer: a change
    made behind the ledger's back is not seen until it is logged (the ledger is the contract, as
    ops.fact_builds is for the facts)."""
    with psycopg.connect(url) as conn:
        log_dim_changes(conn, *seed.CUSTOMERS)  # the first build of the dimension logs everyone
    first = build(url, "customer_metrics")["customer_metrics"]
    assert first.metadata["rows_rebuilt"] == 0  # no change since: compared once, nothing differs
    with psycopg.connect(url) as conn:
        seen = conn.execute("SELECT dim_change_id FROM ops.customer_rows_seen").fetchall()
        assert seen == conn.execute("SELECT max(change_id) FROM ops.dim_changes").fetchall()
        conn.execute(
            "UPDATE warehouse.dim_customers SET customer_segment = 'Premium' WHERE customer_id = 'C9'"
        )
        conn.execute(
            "UPDATE warehouse.dim_customers SET customer_segment = 'Premium' WHERE customer_id = 'C11'"
        )
        log_dim_changes(conn, "C9")  # C11's change is not logged
    result = build(url, "customer_metrics")["customer_metrics"]
    assert result.metadata["rows_rebuilt"] == 1
    assert (customer(url, "C9")["customer_segment"], customer(url, "C11")["customer_segment"]) == (
        "Premium",
        "Regular",
    )
    with psycopg.connect(url) as conn:
        log_dim_changes(conn, "C11")
    assert build(url, "customer_metrics")["customer_metrics"].metadata["rows_rebuilt"] == 1
    assert customer(url, "C11")["customer_segment"] == "Premium"
    assert_matches_full_rebuild(url)
