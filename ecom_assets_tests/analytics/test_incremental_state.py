"""The analytics build state: which fact days changed since a table's last build."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import psycopg
import pytest

from ecom_assets.defs.analytics import incremental
from ecom_assets_tests.conftest import create_database, drop_database

D1, D2, D3 = dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 2, 1)


@pytest.fixture
def conn(admin_url: str) -> Iterator[psycopg.Connection]:
    url = create_database(admin_url, prefix="ecom_incr_state")
    try:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("CREATE SCHEMA ops; CREATE SCHEMA analytics; CREATE TABLE analytics.t (x int)")
            c.execute(
                "CREATE TABLE ops.fact_builds (table_name text, day date, build_id bigint, "
                "PRIMARY KEY (table_name, day))"
            )
            c.execute("INSERT INTO ops.fact_builds VALUES ('f', %s, 1), ('f', %s, 2)", (D1, D2))
            yield c
    finally:
        drop_database(admin_url, url)


def _plan(conn: psycopg.Connection, code: str = "v1", **kw: object) -> incremental.Delta:
    return incremental.plan(conn, "t", ["f"], code, D2, **kw)


def test_first_build_is_full_then_only_changed_days(conn: psycopg.Connection) -> None:
    first = _plan(conn)
    assert (first.full, first.reason) == (True, "first build")
    incremental.record(conn, first, ["f"], "v1")
    same = _plan(conn)
    assert (same.full, same.changed_days()) == (False, [])
    conn.execute("UPDATE ops.fact_builds SET build_id = 3 WHERE day = %s", (D2,))  # day rebuilt
    conn.execute("INSERT INTO ops.fact_builds VALUES ('f', %s, 4)", (D3,))  # new day
    conn.execute("DELETE FROM ops.fact_builds WHERE day = %s", (D1,))  # day gone
    delta = _plan(conn)
    assert (delta.full, delta.changed_days()) == (False, [D1, D2, D3])
    assert delta.changed_months() == [D1, D3]
    assert delta.changed_days(reach=1) == [D1, D2, D2 + dt.timedelta(days=1), D3, D3 + dt.timedelta(days=1)]
    assert _plan(conn, code="v2").reason == "SQL changed"
    assert _plan(conn, marker="m").reason == "dimension attributes changed"
    assert _plan(conn, full_refresh=True).reason == "full_refresh requested"


def test_a_fact_day_committed_after_the_plan_is_not_recorded_as_seen(conn: psycopg.Connection) -> None:
    incremental.record(conn, _plan(conn), ["f"], "v1")
    delta = _plan(conn)
    assert delta.changed_days() == []
    # a fact build of D2 commits while this table's build runs (READ COMMITTED sees it)
    conn.execute("UPDATE ops.fact_builds SET build_id = 9 WHERE day = %s", (D2,))
    incremental.record(conn, delta, ["f"], "v1")
    assert _plan(conn).changed_days() == [D2]  # the next build recomputes it


def test_missing_state_table_or_ledger_makes_it_full(conn: psycopg.Connection) -> None:
    incremental.record(conn, _plan(conn), ["f"], "v1")
    assert _plan(conn, exists=["ops.not_there"]).reason == "missing ops.not_there"
    conn.execute("DELETE FROM ops.fact_builds")
    assert _plan(conn).reason == "no fact build ledger for f"
