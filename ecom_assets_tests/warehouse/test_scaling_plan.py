"""docs/SCALING.md's Citus plan against the schema: every table it names has exactly the primary key
the doc gives, each proposed distribution column is in that key and NOT NULL (Citus needs both),
and the reasons it gives for not distributing by customer hold (the keys and NULLs it cites)."""

from __future__ import annotations

import re

import psycopg
import pytest

from ecom_assets.defs.analytics import assets as analytics_assets
from ecom_assets_tests.conftest import REPO

DOC = REPO / "docs" / "SCALING.md"


def _plan() -> dict[str, dict[str, object]]:
    """The plan's table: {schema.table: {"key": [...], "by": column or None, "not_null": cell}}."""
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+\.\w+)` \| `\(([^)]*)\)` \| ([^|]+) \| ([^|]+) \|$", text, re.MULTILINE)
    plan = {}
    for table, key, dist, not_null in rows:
        by = re.match(r"by `(\w+)`", dist.strip())
        plan[table] = {
            "key": [c.strip() for c in key.split(",")],
            "by": by.group(1) if by else None,
            "reference": dist.strip() == "reference table",
            "not_null": not_null.strip(),
        }
    return plan


def _primary_key(conn: psycopg.Connection, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        """SELECT a.attname FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
           WHERE i.indrelid = %s::regclass AND i.indisprimary
           ORDER BY array_position(i.indkey::int2[], a.attnum)""", (table,)).fetchall()]  # fmt: skip


def _column(conn: psycopg.Connection, table: str, column: str) -> tuple[str, bool]:
    """(type, NOT NULL) of a column."""
    schema, name = table.split(".")
    row = conn.execute(
        "SELECT data_type, is_nullable = 'NO' FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s AND column_name = %s",
        (schema, name, column),
    ).fetchone()
    assert row is not None, f"{table}.{column} does not exist"
    return row


def test_the_plan_names_every_warehouse_table_with_its_exact_key(wh_url: str) -> None:
    plan = _plan()
    with psycopg.connect(wh_url) as conn:
        tables = {f"warehouse.{r[0]}" for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'warehouse' AND c.relkind IN ('r', 'p') AND NOT c.relispartition").fetchall()}  # fmt: skip
        assert tables == {t for t in plan if t.startswith("warehouse.")}
        for table in tables:
            entry = plan[table]
            assert _primary_key(conn, table) == entry["key"], table
            if entry["reference"]:
                continue
            by = entry["by"]
            assert by in entry["key"], f"{table}: Citus needs {by} in the primary key"
            assert _column(conn, table, by)[1] and entry["not_null"] == "yes", table
        # co-located: the facts' distribution columns have one type
        facts = [t for t in tables if plan[t]["by"]]
        assert len(facts) == 4 and {_column(conn, t, plan[t]["by"])[0] for t in facts} == {"date"}


def test_the_reasons_against_customer_distribution_hold(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        for fact in ("fact_orders", "fact_order_items", "fact_clickstream", "fact_inventory"):
            assert "customer_id" not in _primary_key(conn, f"warehouse.{fact}")
        assert "order_id" not in _primary_key(conn, "warehouse.fact_order_items")
        assert _column(conn, "warehouse.fact_orders", "customer_id")[1] is True
        assert _column(conn, "warehouse.fact_order_items", "customer_id")[1] is False
        assert _column(conn, "warehouse.fact_clickstream", "customer_id")[1] is False
        # dimensions: surrogate primary key, natural key in a separate UNIQUE, no column in both
        for dim, natural, surrogate in (
            ("dim_customers", "customer_id", "customer_sk"),
            ("dim_products", "product_id", "product_sk"),
            ("dim_marketing_campaigns", "campaign_id", "campaign_sk"),
        ):
            uniques = conn.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
                (f"warehouse.{dim}",),
            ).fetchall()
            assert [u[0] for u in uniques] == [f"UNIQUE ({natural}, valid_from)"]
            assert _primary_key(conn, f"warehouse.{dim}") == [surrogate]


@pytest.mark.parametrize("table", ["ops.customer_day", "ops.campaign_order", "ops.customer_totals"])
def test_the_ops_rows_match_the_sql_that_creates_them(table: str) -> None:
    """The ops state tables get their keys from the analytics SQL (after a full build's load)."""
    entry = _plan()[table]
    name = table.split(".")[1]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(analytics_assets.SQL_DIR.glob("*.sql")))
    create = re.search(rf"CREATE TABLE IF NOT EXISTS {re.escape(table)} \((.*?)\n\);", text, re.DOTALL)
    assert create is not None
    keys = re.findall(rf"ALTER TABLE {re.escape(table)} ADD PRIMARY KEY \(([^)]*)\)", text)
    keys += re.findall(r"PRIMARY KEY \(([^)]*)\)", create.group(1))
    assert [[c.strip() for c in k.split(",")] for k in keys] == [entry["key"]], name
    by = entry["by"]
    assert by in entry["key"] and entry["not_null"] == "yes"
    assert re.search(rf"^\s*{by}\s+\w+\s+NOT NULL", create.group(1), re.MULTILINE), f"{table}.{by} NOT NULL"
