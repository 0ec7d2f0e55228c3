"""Bad-input cases the staging tests do not cover yet (see docs/RELIABILITY.md for the map).

Each case: good rows staged, bad rows in ``staging.<table>_rejects`` naming file, line, column
and rule, and read = staged + rejected; or, for a file that cannot be read, one message naming
the file and line, and nothing landed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from ecom_assets.defs.partitions import monthly_partitions
from ecom_assets.defs.raw import importer
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.staging.assets import staging_assets
from ecom_assets.lib.contracts import SOURCE_TABLES
from ecom_assets_tests.staging.conftest import ITEMS_HEADER, ORDERS_HEADER, export_dir, order, wh, write
from ecom_assets_tests.staging.test_rejects import assert_accounted, land_and_load, rejects

__all__ = ["export_dir", "wh"]  # fixtures shared with the staging tests

TOTAL_RULE = "total_amount = subtotal - discount_amount + shipping_cost + tax_amount (within 0.01)"
DATE_RULE = "must be between 1900-01-01 and 2100-12-31"
WINDOW_RULE = (
    "outside the accepted window 2005-10-01..2025-10-01 (20 years before the as-of date to the as-of date)"
)


def staged(conn: psycopg.Connection, column: str = "shipping_address") -> list[tuple]:
    return conn.execute(
        f"SELECT order_id, {column}, _source_line FROM staging.orders ORDER BY _source_line"  # noqa: S608
    ).fetchall()


def test_quoted_delimiters_and_quotes_inside_fields(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [
            order("O1", shipping_address='"1 Main St, Flat 2"'),
            order("O2", shipping_address='"say ""hi"", then go"'),
            order("O3", shipping_address='","'),
        ],
    )
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    assert staged(wh) == [("O1", "1 Main St, Flat 2", 2), ("O2", 'say "hi", then go', 3), ("O3", ",", 4)]
    assert rejects(wh, "orders") == []
    assert_accounted(wh, "orders", stats, read=3)


def test_absurdly_long_fields(wh: psycopg.Connection, export_dir: Path, data_dir: Path) -> None:
    """A 1 MB address is text like any other; a 65-character key breaks the contract's id rule."""
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [order("O1", shipping_address="A" * 1_000_000), order("O" * 65), order("O3", customer="C" * 10_000)],
    )
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    assert [(o, len(a), line) for o, a, line in staged(wh)] == [("O1", 1_000_000, 2), ("O3", 9, 4)]
    assert wh.execute("SELECT length(customer_id) FROM staging.orders WHERE order_id = 'O3'").fetchone() == (
        10_000,
    )
    assert rejects(wh, "orders") == [
        (
            "orders.csv",
            3,
            "order_id",
            "O" * 65,
            "length must be between 1 and 64 characters",
        )
    ]
    assert_accounted(wh, "orders", stats, read=3)


CUT_RULE = (
    "the last line has no line break: the export looks cut off mid-write "
    "(if the file is complete, end it with a newline)"
)


def test_last_line_cut_inside_its_last_value(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    """The export stopped mid-write, without a final newline: the cut line is rejected as cut off,
    with its bytes, even though its fields happen to split (its last value is only half there)."""
    export_dir.mkdir()
    cut = order("O2")[:-12]  # "..., 2025-10-01 10:00:00,2025-10"
    (export_dir / "orders.csv").write_bytes(f"{ORDERS_HEADER}\n{order('O1')}\n{cut}".encode())
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    assert rejects(wh, "orders") == [("orders.csv", 3, None, None, CUT_RULE)]
    raw = wh.execute("SELECT raw_record FROM staging.orders_rejects").fetchone()[0]
    assert raw == cut
    assert_accounted(wh, "orders", stats, read=2)


def test_last_line_cut_inside_a_quoted_value_is_one_rejected_line(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    export_dir.mkdir()
    cut = order("O2", shipping_address='"1 Main')  # the quote never closes
    (export_dir / "orders.csv").write_bytes(f"{ORDERS_HEADER}\n{order('O1')}\n{cut}".encode())
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    assert [r[0] for r in staged(wh, "order_id")] == ["O1"]
    assert rejects(wh, "orders") == [
        (
            "orders.csv",
            3,
            None,
            None,
            "a quoted value is still open at the end of the file: the export looks cut off",
        )
    ]
    assert_accounted(wh, "orders", stats, read=2)


def test_money_identities_allow_one_cent_and_reject_two(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    """103.00 is exact; each amount is rounded on its own, so 0.01 either way is normal, 0.02 is not."""
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [
            order("O1", total_amount="103.01"),
            order("O2", total_amount="103.02"),
            order("O3", total_amount="102.99"),
            order("O4", total_amount="102.98"),
        ],
    )
    # 3 x 33.33 = 99.99
    write(
        export_dir,
        "order_items.csv",
        ITEMS_HEADER,
        [
            "I1,O1,P1,3,33.33,100.00,",
            "I2,O1,P1,3,33.33,99.98,",
            "I3,O1,P1,3,33.33,100.01,",
            "I4,O1,P1,3,33.33,99.97,",
        ],
    )
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    assert [r[0] for r in staged(wh)] == ["O1", "O3"]
    assert rejects(wh, "orders") == [
        ("orders.csv", 3, None, None, TOTAL_RULE),
        ("orders.csv", 5, None, None, TOTAL_RULE),
    ]
    assert_accounted(wh, "orders", stats, read=4)

    items = land_and_load(wh, export_dir, data_dir, "order_items")
    rule = "total_price = quantity * unit_price (within 0.01)"
    assert rejects(wh, "order_items") == [
        ("order_items.csv", 4, None, None, rule),
        ("order_items.csv", 5, None, None, rule),
    ]
    assert_accounted(wh, "order_items", items, read=4)


def test_dates_out_of_range_are_rejected_on_the_as_of_day(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [
            order("O1"),
            order("O2", "1899-12-31", created_at="", updated_at=""),
            order("O3", "2101-01-01", created_at="", updated_at=""),
            order("O4", delivery_date="1850-01-01"),
        ],
    )
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    assert rejects(wh, "orders") == [
        ("orders.csv", 3, "order_date", "1899-12-31", WINDOW_RULE),  # the event's day: the window says why
        ("orders.csv", 4, "order_date", "2101-01-01", WINDOW_RULE),
        ("orders.csv", 5, "delivery_date", "1850-01-01", DATE_RULE),  # another date: the contract's range
    ]
    # no day file for 1899 or 2101: such rows land on the as-of day, inside a partition
    days = {r[0] for r in wh.execute("SELECT _day FROM staging.orders_rejects")}
    assert days == {dt.date(2025, 10, 1)}
    assert_accounted(wh, "orders", stats, read=4)


def test_duplicate_key_across_redeliveries_fails_the_blocking_check(
    export_dir: Path, data_dir: Path, fresh_db_url: str
) -> None:
    """A re-delivery that moves O1 to another day leaves it in the old day's file too."""
    month = dt.date.fromisoformat(monthly_partitions.get_partition_keys()[0])
    d1, d2 = month.isoformat(), (month + dt.timedelta(days=1)).isoformat()
    staging_orders = [a for a in staging_assets if a.key == dg.AssetKey(["staging", "orders"])]
    resources = {"warehouse": PostgresResource(database_url=fresh_db_url)}
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", d1), order("O2", d2)])
    importer.import_export(export_dir)
    assert dg.materialize(staging_orders, partition_key=month.isoformat(), resources=resources).success

    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", d2), order("O2", d2)])  # only day 2 again
    importer.import_export(export_dir)
    again = dg.materialize(
        staging_orders, partition_key=month.isoformat(), resources=resources, raise_on_error=False
    )
    assert not again.success  # blocking: nothing downstream builds on two O1s
    (pk,) = [e for e in again.get_asset_check_evaluations() if e.check_name == "primary_key_unique"]
    assert not pk.passed and pk.metadata["duplicated_keys"].value == 1
    assert pk.description.startswith("1 duplicated order_id value(s) in staging.orders (")
    assert "O1" in pk.metadata["examples"].value


@pytest.mark.parametrize("table", list(SOURCE_TABLES))
def test_every_table_refuses_a_file_without_its_key_column(
    table: str, export_dir: Path, data_dir: Path
) -> None:
    """Missing required column, for every source table: one message naming file, line and column."""
    src = SOURCE_TABLES[table]
    header = [c for c in src.columns if c != src.key]
    write(export_dir, f"{table}.csv", ",".join(header), [])
    if table != "orders":  # order_items need their orders to be dated; the others need an as-of day
        write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1")])
    with pytest.raises(importer.ExportError) as err:
        importer.import_export(export_dir, landing_root=data_dir / "landing")
    assert str(err.value).startswith(
        f"{table}.csv: line 1 (the header): missing required column(s) {src.key} of {table} (found: {header[0]},"
    ), str(err.value)
    assert not (data_dir / "landing").exists() or not any(
        p.is_file() for p in (data_dir / "landing").rglob("*")
    )
