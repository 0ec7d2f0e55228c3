"""The reconciliation checks' fact totals come from a per-day cache, still from the fact rows.

``fact_totals.fact_totals`` sums ``ops.fact_day_totals``: one row per day of the fact build ledger
(``ops.fact_builds``), computed from that day's fact rows and refreshed when the day's build id
changes or the set of current customer/product keys does. These tests hold it to what the full
scan of ``fact_totals.sql`` gives, on a real pipeline (generated export, import,
``runner.run_graph``: a backfill, then a new day), and show what it sees and what it does not:

- a day rebuilt by the pipeline is recomputed, and nothing else; a fact row changed behind the
  pipeline's back, without a new build id, is NOT seen: the ledger is the contract (the
  incremental analytics builds rely on it the same way);
- the checks still compare each analytics table with the facts, never with the analytics state:
  a wrong sum in a table, or a corrupted state table behind an incremental build, fails them;
- a change of the key set in a dimension build recomputes every day, an attribute-only one none;
- without a fact ledger (hand-seeded warehouses) the full scan is used as before;
- parallel steps: one refreshes under the lock, the one waiting for it finds the cache fresh.

Everything that changes data runs in a transaction rolled back at the end, or in a copy.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from ecom_assets import runner
from ecom_assets.defs.analytics import assets as analytics_assets
from ecom_assets.defs.analytics import checks, contracts
from ecom_assets.defs.analytics import fact_totals as ft
from ecom_assets.defs.raw import importer
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.lib import generator, settings
from ecom_assets_tests.analytics import seed
from ecom_assets_tests.conftest import create_database, drop_database
from ecom_assets_tests.reliability.conftest import graph_keys, terminate_all

SCALE, SEED = 0.2, 23
START = dt.date(2026, 3, 1)  # the established shop (its launch weeks have few orders)
BASE_END = START + dt.timedelta(days=20)
FACTS = list(ft.CACHED_FACTS)


@dataclass
class Stage:
    name: str
    checks: dict[tuple[str, str], tuple[bool, dict[str, object]]]  # (table, check) -> passed, metadata
    changed_days: set[dt.date]  # ledger days of fact_orders/fact_order_items whose build changed
    ledger_days: int
    cached: ft.FactTotals  # fact_totals right after the run
    full: dict[str, Decimal]  # the full scan right after the run


def check_results(instance: dg.DagsterInstance, run_id: str) -> dict[tuple[str, str], tuple[bool, dict]]:
    out = {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is not None and event.event_type_value == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            out[(ev.asset_key.path[-1], ev.check_name)] = (
                ev.passed,
                {k: getattr(v, "value", v) for k, v in ev.metadata.items()},
            )
    return out


def ledger(conn: psycopg.Connection) -> set[tuple[str, dt.date, int]]:
    rows = conn.execute(
        "SELECT table_name, day, build_id FROM ops.fact_builds WHERE table_name = ANY(%s)", (FACTS,)
    ).fetchall()
    return {tuple(r) for r in rows}


@pytest.fixture(scope="module")
def pipeline(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[Stage]]]:
    root = tmp_path_factory.mktemp("fact_totals")
    url = create_database(admin_url, prefix="ecom_ftc")
    instance = dg.DagsterInstance.ephemeral()
    mp = pytest.MonkeyPatch()
    stages: list[Stage] = []
    try:
        mp.setenv(settings.ENV_DATABASE_URL, url)
        mp.setenv(settings.ENV_DATA_DIR, str(root / "data"))
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        keys = graph_keys()

        def stage(name: str, start: dt.date | None = None, end: dt.date | None = None) -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                exists = conn.execute("SELECT to_regclass('ops.fact_builds')").fetchone()[0] is not None
                before = ledger(conn) if exists else set()
            summary = runner.run_graph(start, end, instance=instance, asset_selection=keys)
            assert summary.ok, (name, summary.failed_assets, summary.failed_checks)
            with psycopg.connect(url) as conn:
                after = ledger(conn)
                cached, full = ft.fact_totals(conn), ft.full_scan_totals(conn)
                conn.rollback()
            stages.append(
                Stage(
                    name,
                    check_results(instance, summary.run_id),
                    {day for _, day, _ in after ^ before},
                    len({day for _, day, _ in after}),
                    cached,
                    full,
                )
            )

        generator.generate(root / "export", scale=SCALE, seed=SEED, start=START, end=BASE_END, progress=False)
        importer.import_export(root / "export")
        stage("backfill")
        day = BASE_END + dt.timedelta(days=1)
        generator.generate_day(root / f"day-{day}", day, scale=SCALE, seed=SEED)
        importer.import_export(root / f"day-{day}", as_of=day)
        stage("new day", day, day)
        yield url, stages
    finally:
        mp.undo()
        instance.dispose()
        drop_database(admin_url, url)


@pytest.fixture
def tx(pipeline: tuple[str, list[Stage]]) -> Iterator[psycopg.Connection]:
    """A transaction on the pipeline's database, rolled back at the end."""
    with psycopg.connect(pipeline[0]) as conn:
        yield conn
        conn.rollback()


def copy_of(admin_url: str, url: str) -> str:
    source = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    name = f"{source}_copy_{uuid.uuid4().hex[:6]}"
    terminate_all(admin_url, source)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(source))
        )
    return psycopg.conninfo.make_conninfo(admin_url, dbname=name)


def reconciles(stage: Stage) -> dict[str, tuple[bool, dict]]:
    return {t: stage.checks[(t, checks.REVENUE_RECONCILES)] for t in checks.RECONCILED}


def recognized_order(conn: psycopg.Connection) -> tuple[str, dt.date, str]:
    """A recognized order with a known customer (order_id, order_date, customer_id)."""
    return conn.execute(
        "SELECT o.order_id, o.order_date, o.customer_id FROM warehouse.fact_orders o "
        "WHERE o.is_recognized AND o.net_revenue > 0 AND EXISTS (SELECT 1 FROM warehouse.dim_customers c "
        "WHERE c.customer_id = o.customer_id AND c.is_current) ORDER BY o.order_date, o.order_id LIMIT 1"
    ).fetchone()


def rebuild_in_ledger(conn: psycopg.Connection, fact: str, day: dt.date) -> None:
    """What a rebuild of a fact day records in the ledger: a new build id."""
    conn.execute(
        "UPDATE ops.fact_builds SET build_id = nextval('ops.fact_build_seq') WHERE table_name = %s AND day = %s",
        (fact, day),
    )


def test_cached_totals_equal_the_full_scan_after_backfill_and_new_day(pipeline) -> None:
    _, stages = pipeline
    assert [s.name for s in stages] == ["backfill", "new day"]
    for s in stages:
        assert s.cached.source == ft.CACHE_SOURCE, s.name
        assert s.cached.totals == s.full, s.name
        assert s.cached.days_recomputed == 0, s.name  # the run left the cache fresh
        assert s.full["order_net_revenue"] > 0 and s.full["item_net_revenue"] > 0
    assert stages[1].full["recognized_orders"] > stages[0].full["recognized_orders"]


def test_backfill_fills_every_day_once_and_a_new_day_recomputes_only_its_days(pipeline) -> None:
    _, (backfill, new_day) = pipeline
    for s in (backfill, new_day):
        results = reconciles(s)
        assert all(passed for passed, _ in results.values()), (s.name, results)
    # backfill: a step that checks before the other fact has any ledger row uses the full scan;
    # the first to find both fills every day, the ones after it (or waiting for it) find it fresh
    cached = [m for _, m in reconciles(backfill).values() if m["fact_totals_from"] == ft.CACHE_SOURCE]
    assert cached, reconciles(backfill)
    assert max(m["fact_days_recomputed"] for m in cached) >= 1
    assert sum(m["fact_days_recomputed"] for m in cached) <= 2 * backfill.ledger_days
    # a new day: every step uses the cache, and none recomputes more than the rebuilt days
    results = reconciles(new_day)
    assert {m["fact_totals_from"] for _, m in results.values()} == {ft.CACHE_SOURCE}
    recomputed = [m["fact_days_recomputed"] for _, m in results.values()]
    assert 1 <= len(new_day.changed_days) < new_day.ledger_days / 2
    assert sum(recomputed) >= len(new_day.changed_days)
    assert max(recomputed) <= len(new_day.changed_days), (recomputed, new_day.changed_days)


def test_a_fact_change_outside_the_ledger_is_not_seen_but_a_rebuilt_day_is(tx) -> None:
    """The ledger is the contract: rows changed without a new build id keep their cached totals
    (as the incremental analytics builds keep their results); once the day's build changes, as
    the pipeline's rebuild of the day does, the day is recomputed and the totals match again."""
    order_id, day, _ = recognized_order(tx)
    before = ft.fact_totals(tx)
    tx.execute(
        "UPDATE warehouse.fact_orders SET net_revenue = net_revenue + 1 WHERE order_id = %s", (order_id,)
    )
    full = ft.full_scan_totals(tx)
    assert full["order_net_revenue"] == before["order_net_revenue"] + 1
    behind = ft.fact_totals(tx)
    assert behind.days_recomputed == 0 and behind.totals == before.totals  # not seen

    rebuild_in_ledger(tx, "fact_orders", day)
    rebuilt = ft.fact_totals(tx)
    assert rebuilt.days_recomputed == 1
    assert rebuilt.totals == full


def test_a_day_gone_from_the_ledger_leaves_the_totals(tx) -> None:
    day = tx.execute("SELECT min(day) FROM ops.fact_builds WHERE table_name = 'fact_orders'").fetchone()[0]
    tx.execute("DELETE FROM warehouse.fact_orders WHERE order_date = %s", (day,))
    tx.execute("DELETE FROM warehouse.fact_order_items WHERE order_date = %s", (day,))
    tx.execute("DELETE FROM ops.fact_builds WHERE day = %s AND table_name = ANY(%s)", (day, FACTS))
    after = ft.fact_totals(tx)
    assert after.days_recomputed == 1
    assert after.totals == ft.full_scan_totals(tx)
    assert tx.execute("SELECT count(*) FROM ops.fact_day_totals WHERE day = %s", (day,)).fetchone()[0] == 0


@pytest.mark.parametrize("table", sorted(checks.RECONCILED))
def test_reconcile_fails_when_an_analytics_sum_is_wrong(tx, table: str) -> None:
    col, _ = checks.RECONCILED[table]
    key = contracts.CONTRACTS[table][1]
    tx.execute(
        sql.SQL(
            "UPDATE {t} SET {c} = {c} + 1 WHERE {k} = (SELECT {k} FROM {t} WHERE {c} > 0 ORDER BY {k} LIMIT 1)"
        ).format(t=sql.Identifier("analytics", table), c=sql.Identifier(col), k=sql.Identifier(key))
    )
    results = {r.check_name: r for r in checks.run_checks(tx, table, contracts.read_table(tx, table))}
    reconcile = results[checks.REVENUE_RECONCILES]
    assert not reconcile.passed
    assert reconcile.metadata["difference"].value == 1.0
    assert reconcile.metadata["fact_totals_from"].value == ft.CACHE_SOURCE


def test_a_corrupted_state_built_incrementally_fails_the_reconcile(admin_url: str, pipeline) -> None:
    """The totals never come from the analytics state: a customer's state for one day made wrong,
    then another day of that customer rebuilt, and the incremental customer_metrics build carries
    the wrong state into the table, which the check catches."""
    url = copy_of(admin_url, pipeline[0])
    try:
        with psycopg.connect(url) as conn:
            customer, day, other = conn.execute(
                "SELECT customer_id, min(order_date), max(order_date) FROM ops.customer_day "
                "GROUP BY customer_id HAVING count(*) >= 2 ORDER BY customer_id LIMIT 1"
            ).fetchone()
            conn.execute(
                "UPDATE ops.customer_day SET net_revenue = net_revenue + 1 WHERE customer_id = %s AND order_date = %s",
                (customer, day),
            )
            rebuild_in_ledger(conn, "fact_orders", other)
        spec = next(s for s in analytics_assets.TABLES if s.name == "customer_metrics")
        result = analytics_assets.build_table(PostgresResource(database_url=url), spec)
        assert result.metadata["build"] == "incremental"
        reconcile = next(r for r in result.check_results if r.check_name == checks.REVENUE_RECONCILES)
        assert not reconcile.passed
        assert reconcile.metadata["difference"].value == 1.0
        assert reconcile.metadata["fact_days_recomputed"].value == 1
    finally:
        drop_database(admin_url, url)


def bump_dim_ledger(conn: psycopg.Connection, dim: str) -> None:
    """What a rebuild of a dimension from new input records: a new source fingerprint."""
    conn.execute(
        "UPDATE ops.dim_builds SET source_fingerprint = md5(source_fingerprint) WHERE table_name = %s", (dim,)
    )


def ledger_days(conn: psycopg.Connection) -> int:
    return conn.execute(
        "SELECT count(DISTINCT day) FROM ops.fact_builds WHERE table_name = ANY(%s)", (FACTS,)
    ).fetchone()[0]


def customer_revenue(conn: psycopg.Connection, customer: str) -> Decimal:
    return conn.execute(
        "SELECT sum(net_revenue) FROM warehouse.fact_orders WHERE is_recognized AND customer_id = %s",
        (customer,),
    ).fetchone()[0]


def test_a_key_set_change_in_a_dimension_build_recomputes_every_day(tx) -> None:
    _, _, customer = recognized_order(tx)
    before = ft.fact_totals(tx)
    tx.execute("UPDATE warehouse.dim_customers SET is_current = false WHERE customer_id = %s", (customer,))
    bump_dim_ledger(tx, "dim_customers")
    after = ft.fact_totals(tx)
    assert after.days_recomputed == ledger_days(tx)
    assert after.totals == ft.full_scan_totals(tx)
    moved = customer_revenue(tx, customer)
    assert after["unknown_customer_net_revenue"] == before["unknown_customer_net_revenue"] + moved
    assert after["order_net_revenue"] == before["order_net_revenue"]
    assert ft.fact_totals(tx).days_recomputed == 0  # and then it is fresh again


def test_a_product_leaving_the_dimension_recomputes_every_day(tx) -> None:
    product = tx.execute(
        "SELECT i.product_id FROM warehouse.fact_order_items i JOIN warehouse.dim_products p "
        "ON p.product_id = i.product_id AND p.is_current WHERE i.is_recognized LIMIT 1"
    ).fetchone()[0]
    before = ft.fact_totals(tx)
    tx.execute("DELETE FROM warehouse.dim_products WHERE product_id = %s", (product,))
    bump_dim_ledger(tx, "dim_products")
    after = ft.fact_totals(tx)
    assert after.days_recomputed == ledger_days(tx)
    assert after.totals == ft.full_scan_totals(tx)
    assert after["unknown_product_items"] > before["unknown_product_items"]


def test_an_attribute_only_dimension_build_recomputes_no_day(tx) -> None:
    ft.fact_totals(tx)
    tx.execute("UPDATE warehouse.dim_customers SET customer_segment = 'Moved' WHERE is_current")
    bump_dim_ledger(tx, "dim_customers")
    after = ft.fact_totals(tx)
    assert after.days_recomputed == 0
    assert after.totals == ft.full_scan_totals(tx)
    # the key set was fingerprinted again and remembered with the new dimension ledger
    remembered = tx.execute("SELECT dims_ledger FROM ops.fact_day_totals_keys").fetchall()
    assert remembered == [(tx.execute(ft.DIMS_LEDGER).fetchone()[0],)]


def test_a_dimension_change_outside_its_ledger_is_seen_only_without_that_ledger(tx) -> None:
    """Like the facts, the dimensions' build ledger is the contract: a key removed by hand,
    without a new ``ops.dim_builds`` fingerprint, keeps the cached totals; where the dimension
    has no ledger row (its source has no staging ledger), the key set is fingerprinted on every
    call and the change is seen."""
    _, _, customer = recognized_order(tx)
    before = ft.fact_totals(tx)
    tx.execute("UPDATE warehouse.dim_customers SET is_current = false WHERE customer_id = %s", (customer,))
    assert ft.fact_totals(tx).totals == before.totals  # not seen
    tx.execute("DELETE FROM ops.dim_builds WHERE table_name = 'dim_customers'")
    after = ft.fact_totals(tx)
    assert after.days_recomputed == ledger_days(tx)
    assert after.totals == ft.full_scan_totals(tx) != before.totals


def test_a_changed_cache_definition_recomputes_every_day(tx, monkeypatch: pytest.MonkeyPatch) -> None:
    ft.fact_totals(tx)
    real = ft.incremental.code_version
    monkeypatch.setattr(ft.incremental, "code_version", lambda *paths: real(*paths) + "-next")
    after = ft.fact_totals(tx)
    assert after.days_recomputed == ledger_days(tx)
    assert after.totals == ft.full_scan_totals(tx)


def test_a_parallel_step_waits_for_the_refresh_and_finds_the_cache_fresh(pipeline) -> None:
    """Step A finds a stale day and refreshes it under the lock; step B, stale in its own view,
    waits for the lock, re-checks after A commits and recomputes nothing. If A rolls back
    instead, B does the refresh itself."""
    url = pipeline[0]
    with psycopg.connect(url, autocommit=True) as admin:
        day, build_id = admin.execute(
            "SELECT day, build_id FROM ops.fact_builds WHERE table_name = 'fact_orders' ORDER BY day LIMIT 1"
        ).fetchone()
        try:
            for a_commits, b_recomputes in ((True, 0), (False, 1)):
                rebuild_in_ledger(admin, "fact_orders", day)
                with psycopg.connect(url) as a, psycopg.connect(url) as b:
                    got_a = ft.fact_totals(a)
                    assert got_a.days_recomputed == 1
                    b_pid = b.info.backend_pid
                    out: dict[str, object] = {}
                    thread = threading.Thread(target=lambda: out.update(b=ft.fact_totals(b)))  # noqa: B023
                    thread.start()
                    deadline = time.monotonic() + 30
                    while not admin.execute(
                        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", (b_pid,)
                    ).fetchone()[0]:
                        assert time.monotonic() < deadline, "B never waited for the cache lock"
                        time.sleep(0.05)
                    assert "b" not in out
                    a.commit() if a_commits else a.rollback()
                    thread.join(30)
                    got_b = out["b"]
                    assert got_b.days_recomputed == b_recomputes
                    assert got_b.totals == got_a.totals == ft.full_scan_totals(b)
                    b.commit()
        finally:
            admin.execute(
                "UPDATE ops.fact_builds SET build_id = %s WHERE table_name = 'fact_orders' AND day = %s",
                (build_id, day),
            )


def test_without_a_fact_ledger_the_full_scan_is_used(admin_url: str, data_dir) -> None:
    url = create_database(admin_url, prefix="ecom_ftc_seed")
    try:
        with psycopg.connect(url) as conn:
            seed.seed(conn)
            conn.commit()
            got = ft.fact_totals(conn)
            assert got.source == ft.FULL_SCAN_SOURCE and got.days_recomputed is None
            assert got.totals == ft.full_scan_totals(conn)
            assert got["unknown_customer_net_revenue"] > 0  # the seed's unknown member counts
            # a ledger for one of the two facts only: still the full scan
            conn.execute(
                "INSERT INTO ops.fact_builds (table_name, day, source_fingerprint, dim_change_id, build_id, "
                "rows_built) SELECT 'fact_orders', order_date, 'x', 0, 1, count(*) FROM warehouse.fact_orders "
                "GROUP BY order_date"
            )
            half = ft.fact_totals(conn)
            assert half.source == ft.FULL_SCAN_SOURCE and half.totals == got.totals
            assert conn.execute("SELECT to_regclass('ops.fact_day_totals')").fetchone()[0] is None
    finally:
        drop_database(admin_url, url)
