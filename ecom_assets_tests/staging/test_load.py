"""Staging loads are idempotent per day, and the staging DDL matches the contract."""

import datetime as dt
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

from ecom_assets.defs.raw import importer
from ecom_assets.defs.staging import load as staging
from ecom_assets.defs.staging import read
from ecom_assets.lib import landing, postgres
from ecom_assets.lib.contracts import SOURCE_TABLES, column_ddl
from ecom_assets.lib.csv_reader import UnreadableFile
from ecom_assets_tests.staging.conftest import ITEMS_HEADER, ORDERS_HEADER, order, write

D1, D2 = dt.date(2025, 10, 1), dt.date(2025, 10, 2)


def _load(conn: psycopg.Connection, root: Path, table: str = "orders") -> staging.LoadStats:
    with conn.transaction():
        return staging.load_days(conn, table, landing.landed_files(table, root))


def _checksums(conn: psycopg.Connection) -> tuple[str, str, str]:
    return (
        postgres.table_checksum(conn, "staging.orders"),
        postgres.table_checksum(conn, "staging.orders_rejects"),
        postgres.table_checksum(conn, "ops.staging_loads"),
    )


def test_reload_is_a_no_op_and_a_changed_day_replaces_exactly_that_day(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    root = data_dir / "landing"
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [order("O1", "2025-10-01"), order("O2", "2025-10-02"), order("O3", "2025-10-02", subtotal="x")],
    )
    importer.import_export(export_dir, landing_root=root)
    first = _load(wh, root)
    assert first.days_loaded == [D1, D2] and first.days_skipped == []
    before = _checksums(wh)

    again = _load(wh, root)
    assert again.days_loaded == [] and again.days_skipped == [D1, D2]
    assert _checksums(wh) == before

    # forcing a full reload of the same files writes identical rows
    wh.execute("DELETE FROM ops.staging_loads")
    forced = _load(wh, root)
    assert forced.days_loaded == [D1, D2]
    assert _checksums(wh)[:2] == before[:2]

    # a re-delivery of Oct 2 only (O2 changed, O3 fixed, O4 new) replaces Oct 2 and leaves Oct 1
    oct1 = wh.execute("SELECT ctid, * FROM staging.orders WHERE _day = %s", (D1,)).fetchall()
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [order("O2", "2025-10-02", customer="C9"), order("O3", "2025-10-02"), order("O4", "2025-10-02")],
    )
    importer.import_export(export_dir, landing_root=root)
    redo = _load(wh, root)
    assert redo.days_loaded == [D2] and redo.days_skipped == [D1]
    assert wh.execute("SELECT ctid, * FROM staging.orders WHERE _day = %s", (D1,)).fetchall() == oct1
    assert wh.execute(
        "SELECT order_id, customer_id FROM staging.orders WHERE _day = %s ORDER BY 1", (D2,)
    ).fetchall() == [
        ("O2", "C9"),
        ("O3", "C1"),
        ("O4", "C1"),
    ]
    assert wh.execute("SELECT count(*) FROM staging.orders_rejects").fetchone() == (0,)
    ledger = wh.execute(
        "SELECT day, rows_read, rows_staged, rows_rejected FROM ops.staging_loads ORDER BY day"
    ).fetchall()
    assert ledger == [(D1, 1, 1, 0), (D2, 3, 3, 0)]


def test_failed_load_leaves_previous_rows(wh: psycopg.Connection, export_dir: Path, data_dir: Path) -> None:
    root = data_dir / "landing"
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", "2025-10-01")])
    importer.import_export(export_dir, landing_root=root)
    _load(wh, root)
    before = _checksums(wh)
    # the re-delivered day fails inside COPY, after its old rows were deleted: all rolled back
    wh.execute("ALTER TABLE staging.orders ADD CONSTRAINT test_no_o2 CHECK (order_id <> 'O2')")
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O2", "2025-10-01")])
    importer.import_export(export_dir, landing_root=root)
    with pytest.raises(psycopg.errors.CheckViolation):
        _load(wh, root)
    assert _checksums(wh) == before
    # a landed file damaged after import fails with one message naming it
    month = landing.month_file("orders", D1, root)
    month.write_text("order_id,customer_id\nO1,C1\n")
    with pytest.raises(UnreadableFile, match="orders/2025-10.parquet: not a readable landed file"):
        _load(wh, root)
    assert _checksums(wh) == before
    writer = landing.MonthWriter(month, ["order_id", "customer_id"])
    writer.add(D1, pa.table({"order_id": ["O1"], "customer_id": ["C1"]}))
    writer.close()
    with pytest.raises(UnreadableFile, match="orders/2025-10.parquet: line 1 .*missing required column"):
        _load(wh, root)
    assert _checksums(wh) == before


def test_landed_file_without_provenance_names_itself(wh: psycopg.Connection, data_dir: Path) -> None:
    """Files landed by other means (no _source_* columns) still give exact lines."""
    root = data_dir / "landing"
    write(
        root / "order_items",
        "2025-10-01.csv",
        ITEMS_HEADER,
        ['I1,O1,P1,1,"1.00",1.00,', "I2,O1,P1,x,1.00,1.00,"],
    )
    stats = _load(wh, root, "order_items")
    assert (stats.rows_read, stats.rows_staged, stats.rows_rejected) == (2, 1, 1)
    assert wh.execute(
        "SELECT source_file, source_line, rule FROM staging.order_items_rejects"
    ).fetchall() == [("order_items/2025-10-01.csv", 3, "not an integer")]


PG_NAMES = {
    "text": ("text", None, None),
    "numeric(14,2)": ("numeric", 14, 2),
    "numeric(12,4)": ("numeric", 12, 4),
    "bigint": ("bigint", None, None),
    "date": ("date", None, None),
    "timestamp": ("timestamp without time zone", None, None),
    "boolean": ("boolean", None, None),
}


@pytest.mark.parametrize("table", list(SOURCE_TABLES))
def test_staging_column_types_equal_the_contract(wh: psycopg.Connection, table: str) -> None:
    rows = wh.execute(
        "SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable "
        "FROM information_schema.columns WHERE table_schema = 'staging' AND table_name = %s",
        (table,),
    ).fetchall()
    actual = {r[0]: r[1:] for r in rows}
    for name, ddl in column_ddl(SOURCE_TABLES[table]):
        base = ddl.removesuffix(" NOT NULL")
        data_type, precision, scale = PG_NAMES[base]
        got = actual[name]
        assert got[0] == data_type, (name, got)
        if precision is not None:
            assert got[1:3] == (precision, scale), (name, got)
        assert got[3] == ("NO" if ddl.endswith("NOT NULL") else "YES"), (name, got)


def test_big_file_is_staged_in_slices_and_first_key_still_wins(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read, "CHUNK_ROWS", 2)
    monkeypatch.setattr(landing, "ROW_GROUP_ROWS", 4)  # days cross row groups of the month file
    root = data_dir / "landing"
    rows = [order(f"O{i}", "2025-10-01") for i in range(1, 6)] + [order("O2", "2025-10-01", customer="C7")]
    rows += [order("O9", "2025-10-02")]
    write(export_dir, "orders.csv", ORDERS_HEADER, rows)
    importer.import_export(export_dir, landing_root=root)
    stats = _load(wh, root)
    assert (stats.rows_read, stats.rows_staged, stats.rows_rejected) == (7, 6, 1)
    assert wh.execute("SELECT source_line, rule FROM staging.orders_rejects").fetchall() == [
        (7, "duplicate key order_id (first seen at line 3)")
    ]
    assert wh.execute("SELECT customer_id FROM staging.orders WHERE order_id = 'O2'").fetchall() == [("C1",)]
    ledger = wh.execute("SELECT day, rows_read, rows_staged, rows_rejected FROM ops.staging_loads ORDER BY 1")
    assert ledger.fetchall() == [(D1, 6, 5, 1), (D2, 1, 1, 0)]
