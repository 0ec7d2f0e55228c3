"""The column descriptions (lib/descriptions): every column of every layer has one, none is
left behind for a column that is gone, and the files are read strictly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ecom_assets.defs.analytics import bi
from ecom_assets.defs.analytics import contracts as analytics_contracts
from ecom_assets.lib import contracts, descriptions
from ecom_assets_tests.analytics import seed


@pytest.fixture(scope="module")
def warehouse_columns(admin_url: str) -> Iterator[dict[str, list[str]]]:
    """``warehouse.<table>`` -> its columns, as schema.sql makes them (partitions left out)."""
    from ecom_assets_tests.conftest import create_database, drop_database

    url = create_database(admin_url, prefix="ecom_desc")
    try:
        with psycopg.connect(url) as conn:
            seed.create_schema(conn)
            rows = conn.execute(
                "SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
                "WHERE c.relnamespace = 'warehouse'::regnamespace AND c.relkind IN ('r', 'p') "
                "AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
            ).fetchall()
        out: dict[str, list[str]] = {}
        for table, column in rows:
            out.setdefault(f"warehouse.{table}", []).append(column)
        yield out
    finally:
        drop_database(admin_url, url)


def _model_tables() -> dict[str, list[str]]:
    out = {f"staging.{t.name}": t.columns for t in contracts.SOURCE_TABLES.values()}
    for name, (model, _) in analytics_contracts.CONTRACTS.items():
        out[f"analytics.{name}"] = list(model.to_schema().columns)
    return out


def test_every_contract_column_is_described_and_carries_it() -> None:
    for table, columns in _model_tables().items():
        assert descriptions.undescribed(table, columns) == [], table
        assert descriptions.stale(table, columns) == [], table
    for src in contracts.SOURCE_TABLES.values():
        for name, col in src.model.to_schema().columns.items():
            assert col.description == descriptions.column(f"staging.{src.name}", name)


def test_every_warehouse_column_is_described(warehouse_columns: dict[str, list[str]]) -> None:
    assert len(warehouse_columns) == 8
    for table, columns in warehouse_columns.items():
        assert descriptions.undescribed(table, columns) == [], table
        assert descriptions.stale(table, columns) == [], table


def test_every_described_table_exists(warehouse_columns: dict[str, list[str]]) -> None:
    known = set(_model_tables()) | set(warehouse_columns) | {f"bi.{v.name}" for v in bi.views()}
    assert set(descriptions.catalog().tables) - known == set()


def test_a_table_overrides_what_it_inherits_and_the_glossary() -> None:
    # inherited from the source table, then overridden where the warehouse means more
    assert descriptions.column("warehouse.dim_customers", "customer_segment") == descriptions.column(
        "staging.customers", "customer_segment"
    )
    assert "unknown member" in descriptions.column("warehouse.dim_customers", "customer_id")
    assert (
        descriptions.column("staging.customers", "customer_id")
        == descriptions.catalog().glossary["customer_id"]
    )
    assert descriptions.column("bi.fact_orders", "customer_sk") != descriptions.column(
        "warehouse.fact_orders", "customer_sk"
    )
    assert descriptions.column("warehouse.fact_orders", "no_such_column") is None


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"a.yaml": "tables:\n  orders:\n    columns: {a: x}\n"},
            "a.yaml: orders: a table is named schema.table",
        ),
        (
            {"a.yaml": "tables:\n  staging.orders:\n    comment: x\n"},
            "a.yaml: staging.orders: an entry has only",
        ),
        (
            {"a.yaml": "tables:\n  staging.orders:\n    columns: {order_id: ''}\n"},
            "expected a non-empty text",
        ),
        (
            {"a.yaml": "tables:\n  staging.orders:\n    inherits: [staging.nowhere]\n"},
            "which no file describes",
        ),
        (
            {"a.yaml": "columns: {customer_id: x}\n", "b.yaml": "columns: {customer_id: y}\n"},
            "b.yaml: customer_id is described in two places",
        ),
        ({"a.yaml": "views: {}\n"}, "a.yaml: top level must be"),
    ],
)
def test_a_malformed_file_is_refused_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(descriptions, "DIR", tmp_path)
    monkeypatch.setattr(descriptions, "FILES", tuple(files))
    descriptions.catalog.cache_clear()
    try:
        with pytest.raises(descriptions.DescriptionsError, match=message):
            descriptions.catalog()
    finally:
        monkeypatch.undo()
        descriptions.catalog.cache_clear()
