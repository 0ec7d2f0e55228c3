"""What lets months load side by side: the locks a month's build takes are the month's own.

Each test holds, in a session of its own, what another month's run holds in the middle of its
work, and gives the pipeline's sessions a short ``lock_timeout`` (``PGOPTIONS``): a build that
waited for that session fails with a lock timeout instead of passing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import psycopg
import pytest

from ecom_assets.defs.staging import ddl as staging_ddl
from ecom_assets.defs.warehouse import facts
from ecom_assets.defs.warehouse.specs import FACTS
from ecom_assets_tests.warehouse.helpers import (
    D,
    customer,
    insert,
    item,
    ledger,
    materialize_dims,
    materialize_facts,
    order,
    prepare,
    product,
    rows,
)

ORDER_FACTS = [facts.fact_order_items, facts.fact_orders]


@pytest.fixture
def short_lock_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=2s")


@pytest.fixture
def two_months(fresh_db_url: str) -> Iterator[str]:
    prepare(fresh_db_url)
    with psycopg.connect(fresh_db_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-01 09:00:00")])
        insert(conn, "products", [product("P1", "2026-01-01 00:00:00", "6.00", "10.00")])
        for n, day in enumerate(["2026-01-10", "2026-02-10"]):
            insert(conn, "orders", [order(f"O{n}", "C1", day, "10.00")])
            insert(conn, "order_items", [item(f"I{n}", f"O{n}", "P1", day, 1, "10.00")])
            ledger(conn, "orders", day)
            ledger(conn, "order_items", day)
    materialize_dims(fresh_db_url)
    yield fresh_db_url


def hold_month(url: str, month: str) -> psycopg.Connection:
    """A session holding the advisory locks a run building ``month`` of the order facts holds."""
    conn = psycopg.connect(url)
    start = D(month)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    for name in ("fact_order_items", "fact_orders"):
        for lock in facts.fact_lock_names(FACTS[name], start, end):
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
    return conn


def test_a_fact_month_builds_while_another_month_of_the_same_fact_is_being_built(
    two_months: str, short_lock_timeout: None
) -> None:
    january = hold_month(two_months, "2026-01-01")
    try:
        february = materialize_facts(two_months, "2026-02-01", assets=ORDER_FACTS, raise_on_error=False)
        assert february.success  # it did not wait for January (one lock per table would have)
        # the same month still waits: a daily run beside a backfill of that month serialises
        again = materialize_facts(two_months, "2026-01-01", assets=ORDER_FACTS, raise_on_error=False)
        assert not again.success
        errors = [e.event_specific_data.error for e in again.get_step_failure_events()]
        assert any("lock timeout" in (err.cause or err).message for err in errors), errors
    finally:
        january.close()
    assert rows(two_months, "SELECT order_id FROM warehouse.fact_orders ORDER BY 1") == [("O1",)]
    materialize_facts(two_months, "2026-01-01", assets=ORDER_FACTS)
    assert rows(two_months, "SELECT order_id FROM warehouse.fact_orders ORDER BY 1") == [("O0",), ("O1",)]


def test_staging_ddl_already_applied_takes_no_table_lock(fresh_db_url: str, short_lock_timeout: None) -> None:
    with psycopg.connect(fresh_db_url) as conn:
        staging_ddl.ensure_staging_tables(conn)
    # what a month's load transaction holds while another month's staging step starts
    with psycopg.connect(fresh_db_url) as load:
        load.execute("LOCK TABLE ops.staging_loads, staging.clickstream_rejects IN ROW EXCLUSIVE MODE")
        load.execute("LOCK TABLE staging.clickstream IN ROW EXCLUSIVE MODE")
        with psycopg.connect(fresh_db_url) as other:
            staging_ddl.ensure_staging_tables(other)  # a lock timeout here before the DDL was versioned
            staging_ddl.set_as_of(other, D("2026-01-31"))
        load.rollback()


def test_staging_ddl_runs_again_for_a_missing_table(fresh_db_url: str) -> None:
    with psycopg.connect(fresh_db_url) as conn:
        staging_ddl.ensure_staging_tables(conn)
        conn.execute("DROP TABLE staging.orders_rejects")
    with psycopg.connect(fresh_db_url) as conn:
        staging_ddl.ensure_staging_tables(conn)
        assert conn.execute("SELECT to_regclass('staging.orders_rejects') IS NOT NULL").fetchone()[0]
        # and every index the contract asks for exists
        indexes = {
            r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'staging'")
        }
    assert {"orders_day_idx", "orders_key_idx", "customers_key_idx"} <= indexes


def test_unchanged_as_of_is_not_written(fresh_db_url: str, short_lock_timeout: None) -> None:
    with psycopg.connect(fresh_db_url) as conn:
        staging_ddl.ensure_staging_tables(conn)
        staging_ddl.set_as_of(conn, D("2026-01-31"))
    with psycopg.connect(fresh_db_url) as first, psycopg.connect(fresh_db_url) as second:
        staging_ddl.set_as_of(first, D("2026-01-31"))  # open transaction, as in a month's load
        staging_ddl.set_as_of(second, D("2026-01-31"))  # would wait for `first` if it had written
        second.commit()
        staging_ddl.set_as_of(first, D("2026-02-01"))
        first.commit()
        assert second.execute("SELECT as_of FROM ops.run_context").fetchone()[0] == D("2026-02-01")
