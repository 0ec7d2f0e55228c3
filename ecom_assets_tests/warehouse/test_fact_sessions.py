"""A fact build of several months on several sessions side by side (ECOM_PG_SESSIONS) writes the
same facts, ledger and check counts as one session building month after month."""

from __future__ import annotations

import psycopg
import pytest

from ecom_assets.lib import settings
from ecom_assets_tests.conftest import create_database, drop_database
from ecom_assets_tests.warehouse.helpers import (
    check_eval,
    checksums,
    click,
    customer,
    insert,
    item,
    ledger,
    materialize_dims,
    materialize_facts,
    order,
    prepare,
    product,
    stock,
)

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]


def _stage(url: str) -> None:
    with psycopg.connect(url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-01 09:00:00")])
        insert(conn, "products", [product("P1", "2026-01-01 00:00:00", "6.00", "10.00"),
                                  product("P1", "2026-02-15 00:00:00", "7.00", "11.00")])  # fmt: skip
        for m, month in enumerate(MONTHS):
            for d in (3, 17, 28):
                day = f"{month}-{d:02d}"
                oid, iid = f"O{m}{d}", f"I{m}{d}"
                insert(conn, "orders", [order(oid, "C1", day, "20.00")])
                insert(conn, "order_items", [item(iid, oid, "P1", day, 2, "10.00")])
                insert(conn, "clickstream", [click(f"E{m}{d}", f"{day} 10:00:00", "/p/P1", "C1", "P1")])
                insert(conn, "inventory", [stock(f"V{m}{d}", "P1", day)])
                for table in ("orders", "order_items", "clickstream", "inventory"):
                    ledger(conn, table, day)


def _build(admin_url: str, sessions: int, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict, list]:
    url = create_database(admin_url)
    prepare(url, as_of="2026-04-30")
    _stage(url)
    materialize_dims(url)
    monkeypatch.setenv(settings.ENV_PG_SESSIONS, str(sessions))
    result = materialize_facts(url, range_=(f"{MONTHS[0]}-01", f"{MONTHS[-1]}-01"))
    assert result.success
    sums = checksums(url)
    with psycopg.connect(url) as conn:
        sums["partitions"] = conn.execute(
            "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid"
        ).fetchone()[0]
        ledger_rows = conn.execute(  # build ids are a sequence: the order of builds, not their content
            "SELECT table_name, day, source_fingerprint, rows_built FROM ops.fact_builds "
            "WHERE table_name <> 'fact_orders' ORDER BY 1, 2"
        ).fetchall()
    counts = [
        (name, check, check_eval(result, name, check).metadata["fact_rows"].value)
        for name, check in (("fact_orders", "staged_rows_match_fact_rows"),
                            ("fact_clickstream", "staged_rows_match_fact_rows"))
    ]  # fmt: skip
    drop_database(admin_url, url)
    return str(sums), {"ledger": ledger_rows}, counts


def test_months_side_by_side_build_what_one_session_builds(
    admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = _build(admin_url, 1, monkeypatch)
    three = _build(admin_url, 3, monkeypatch)
    assert one == three
    assert "fact_orders_2026_04" in one[0] and len(one[1]["ledger"]) == 3 * 3 * len(MONTHS)
    assert [c[2] for c in one[2]] == [3 * len(MONTHS)] * 2  # every month's rows checked


def test_new_partitions_carry_the_parents_indexes_each_attached_once(wh_url: str) -> None:
    """A month partition builds its keys and indexes before ATTACH, which adopts them: exactly one
    index per index of the parent, each attached to it, and the primary key as a constraint."""
    _stage(wh_url)
    materialize_dims(wh_url)
    assert materialize_facts(wh_url, "2026-02-01").success
    with psycopg.connect(wh_url) as conn:
        for fact in ("fact_orders", "fact_order_items", "fact_clickstream", "fact_inventory"):
            child = f"warehouse.{fact}_2026_02"
            parent_indexes = conn.execute(
                "SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", (f"warehouse.{fact}",)
            ).fetchone()[0]
            child_indexes, attached = conn.execute(
                "SELECT count(*), count(h.inhparent) FROM pg_index i "
                "LEFT JOIN pg_inherits h ON h.inhrelid = i.indexrelid WHERE i.indrelid = %s::regclass",
                (child,),
            ).fetchone()
            keys = conn.execute(
                "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", (child,)
            ).fetchone()[0]
            assert parent_indexes >= 4 and (child_indexes, attached, keys) == (
                parent_indexes,
                parent_indexes,
                1,
            )
