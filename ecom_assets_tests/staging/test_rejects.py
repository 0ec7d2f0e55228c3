"""Each bad-input class of DATA_CONTRACT.md: rejected with file, line, column and rule; no row lost."""

import datetime as dt
from pathlib import Path

import psycopg

from ecom_assets.defs.raw import importer
from ecom_assets.defs.staging import load as staging
from ecom_assets.lib import landing
from ecom_assets_tests.staging.conftest import (
    CUSTOMERS_HEADER,
    ITEMS_HEADER,
    ORDERS_HEADER,
    PRODUCTS_HEADER,
    order,
    write,
)


def land_and_load(
    conn: psycopg.Connection, export_dir: Path, data_dir: Path, table: str, as_of: dt.date | None = None
) -> staging.LoadStats:
    """Import, then load as the staging asset does: rows dated outside the window are rejected."""
    root = data_dir / "landing"
    report = importer.import_export(export_dir, as_of=as_of, landing_root=root)
    with conn.transaction():
        return staging.load_days(conn, table, landing.landed_files(table, root), report.window)


def rejects(conn: psycopg.Connection, table: str) -> list[tuple]:
    return conn.execute(
        f"SELECT source_file, source_line, column_name, value, rule FROM staging.{table}_rejects "
        "ORDER BY source_line, column_name, rule"
    ).fetchall()


def assert_accounted(conn: psycopg.Connection, table: str, stats: staging.LoadStats, read: int) -> None:
    """rows read = staged + rejected, in the load's stats and in the tables."""
    staged = conn.execute(f"SELECT count(*) FROM staging.{table}").fetchone()[0]
    rejected = conn.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT source_file, source_line FROM staging.{table}_rejects) r"
    ).fetchone()[0]
    assert stats.rows_read == read
    assert (stats.rows_staged, stats.rows_rejected) == (staged, rejected)
    assert staged + rejected == read


def test_wrong_type_null_required_duplicate_key_and_bad_money(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [
            order("O1"),  # line 2: fine
            order("O2", subtotal="lots"),  # line 3: wrong type
            order("O3", customer=""),  # line 4: null in a required column
            order("O1", customer="C2"),  # line 5: duplicate of line 2
            order("O4", subtotal="100.005"),  # line 6: more than 2 decimals
            order("O5", total_amount="150.00"),  # line 7: breaks the money identity
            order("O6", order_status="Lost"),  # line 8: not an allowed status
            order("O7"),  # line 9: fine
        ],
    )
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    assert rejects(wh, "orders") == [
        ("orders.csv", 3, "subtotal", "lots", "not a money amount (expected a number like 12.34)"),
        ("orders.csv", 4, "customer_id", None, "required value missing"),
        ("orders.csv", 5, "order_id", "O1", "duplicate key order_id (first seen at line 2)"),
        ("orders.csv", 6, "subtotal", "100.005", "more than 2 decimal(s): not within 1e-6 of a whole cent"),
        (
            "orders.csv",
            7,
            None,
            None,
            "total_amount = subtotal - discount_amount + shipping_cost + tax_amount (within 0.01)",
        ),
        (
            "orders.csv",
            8,
            "order_status",
            "Lost",
            "must be one of Completed, Shipped, Processing, Cancelled, Returned",
        ),
    ]
    assert [r[0] for r in wh.execute("SELECT order_id FROM staging.orders ORDER BY 1")] == ["O1", "O7"]
    # the first O1 (customer C1) won
    assert wh.execute("SELECT customer_id FROM staging.orders WHERE order_id = 'O1'").fetchone() == ("C1",)
    raw = wh.execute("SELECT raw_record FROM staging.orders_rejects WHERE source_line = 3").fetchone()[0]
    assert raw == order("O2", subtotal="lots")
    assert_accounted(wh, "orders", stats, read=8)


def test_negative_price_and_wrong_int(wh: psycopg.Connection, export_dir: Path, data_dir: Path) -> None:
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1")])
    write(
        export_dir,
        "order_items.csv",
        ITEMS_HEADER,
        [
            "I1,O1,P1,2,50.00,100.00,",
            "I2,O1,P1,1,-5.00,-5.00,",
            "I3,O1,P1,two,5.00,10.00,",
            "I4,O1,P1,0,5.00,0.00,",
        ],
    )
    stats = land_and_load(wh, export_dir, data_dir, "order_items")
    # one line, one reject row; each rule it broke once (a price > 0 is not also checked >= 0)
    assert rejects(wh, "order_items") == [
        ("order_items.csv", 3, "unit_price", "-5.00", "unit_price: must be > 0; total_price: must be >= 0"),
        ("order_items.csv", 4, "quantity", "two", "not an integer"),
        ("order_items.csv", 5, "quantity", "0", "must be >= 1"),
    ]
    problems = wh.execute(
        "SELECT problems FROM staging.order_items_rejects WHERE source_line = 3"
    ).fetchone()[0]
    assert problems == [
        {"column": "unit_price", "value": "-5.00", "rule": "must be > 0", "class": "rule"},
        {"column": "total_price", "value": "-5.00", "rule": "must be >= 0", "class": "rule"},
    ]
    assert_accounted(wh, "order_items", stats, read=4)


def test_unparsable_date_is_rejected_on_the_as_of_day(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [order("O1", "2025-10-01"), order("O2", "2025-02-30", created_at="", updated_at="")],
    )
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    assert rejects(wh, "orders") == [
        ("orders.csv", 3, "order_date", "2025-02-30", "unparsable date (expected YYYY-MM-DD)")
    ]
    day = wh.execute("SELECT _day FROM staging.orders_rejects").fetchone()[0]
    assert day == dt.date(2025, 10, 1)  # the as-of day
    assert_accounted(wh, "orders", stats, read=2)


def test_bom_crlf_quoted_newline_blank_line_extra_and_reordered_columns(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    cols = ORDERS_HEADER.split(",")
    header = ",".join(reversed(cols)) + ",loyalty_tier"
    o1 = order("O1", shipping_address='"1 Main St\r\nFlat 2"').split(",")
    o2 = order("O2", subtotal="x").split(",")
    rows = [",".join(reversed(o1)) + ",gold", "", ",".join(reversed(o2)) + ",silver"]
    export_dir.mkdir()
    (export_dir / "orders.csv").write_bytes(b"\xef\xbb\xbf" + "\r\n".join([header, *rows, ""]).encode())
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    row = wh.execute(
        "SELECT order_id, shipping_address, total_amount, updated_at, _source_line FROM staging.orders"
    ).fetchall()
    assert row == [("O1", "1 Main St\r\nFlat 2", 103, dt.datetime(2025, 10, 1, 10), 2)]
    # O1 spans lines 2-3, line 4 is blank, so O2 is on line 5
    assert rejects(wh, "orders") == [
        ("orders.csv", 5, "subtotal", "x", "not a money amount (expected a number like 12.34)")
    ]
    assert_accounted(wh, "orders", stats, read=2)


def test_header_only_file_loads_zero_rows(wh: psycopg.Connection, export_dir: Path, data_dir: Path) -> None:
    write(export_dir, "orders.csv", ORDERS_HEADER, [])
    stats = land_and_load(wh, export_dir, data_dir, "orders", as_of=dt.date(2025, 10, 1))
    assert stats.days_loaded == [dt.date(2025, 10, 1)]
    assert_accounted(wh, "orders", stats, read=0)
    assert wh.execute("SELECT rows_read FROM ops.staging_loads WHERE table_name = 'orders'").fetchone() == (
        0,
    )


def test_dimension_versions_bools_and_exact_duplicates(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", "2025-10-01")])
    write(
        export_dir,
        "customers.csv",
        CUSTOMERS_HEADER,
        [
            "C1,a@b.c,2025-01-01,Regular,True,2025-01-01 00:00:00",
            "C1,a@b.c,2025-01-01,Premium,1,2025-06-01 00:00:00",  # a second version
            "C1,a@b.c,2025-01-01,Premium,1,2025-06-01 00:00:00",  # exact duplicate: collapses
            "C2,not-an-email,2025-01-01,Regular,maybe,2025-01-01 00:00:00",
            "C3,c@d.e,2025-01-01,Budget,YES,2025-01-01 00:00:00",  # an unambiguous spelling
            "C1,x@y.z,2025-01-01,Premium,1,2025-06-01 00:00:00",  # same version, other values: a duplicate key
        ],
    )
    stats = land_and_load(wh, export_dir, data_dir, "customers")
    staged = wh.execute(
        "SELECT customer_id, customer_segment, marketing_consent, _source_line FROM staging.customers ORDER BY 4"
    ).fetchall()
    assert staged == [("C1", "Regular", True, 2), ("C1", "Premium", True, 3), ("C3", "Budget", True, 6)]
    assert rejects(wh, "customers") == [
        (
            "customers.csv",
            5,
            "email",
            "not-an-email",
            "email: does not match the pattern ^[^@\\s]+@[^@\\s]+$; "
            "marketing_consent: not a boolean (expected true/false, yes/no, 1/0)",
        ),
        (
            "customers.csv",
            7,
            "customer_id",
            "C1",
            "duplicate key customer_id + updated_at (first seen at line 3)",
        ),
    ]
    assert (stats.rows_read, stats.rows_staged, stats.rows_rejected, stats.rows_collapsed) == (6, 3, 2, 1)
    assert stats.normalized["bool_spelling"][0] == 1
    assert stats.normalized["bool_spelling"][1] == "customers.csv line 6, marketing_consent: 'YES' -> true"


def test_products_negative_price(wh: psycopg.Connection, export_dir: Path, data_dir: Path) -> None:
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", "2025-10-01")])
    write(
        export_dir,
        "products.csv",
        PRODUCTS_HEADER,
        ["P1,Pen,Books,1.00,2.50,true,2025-01-01 00:00:00", "P2,Ink,Books,1.00,-2.50,0,2025-01-01 00:00:00"],
    )
    stats = land_and_load(wh, export_dir, data_dir, "products")
    rules = {(r[1], r[2], r[4]) for r in rejects(wh, "products")}
    assert rules == {(3, "selling_price", "must be > 0")}
    assert_accounted(wh, "products", stats, read=2)


def test_decimal_too_large_for_its_column_is_rejected_not_a_failed_copy(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", "2025-10-01")])
    write(
        export_dir,
        "products.csv",
        PRODUCTS_HEADER + ",weight_kg",
        [
            "P1,Pen,Books,1.00,2.50,true,2025-01-01 00:00:00,0.25",
            "P2,Ink,Books,1.00,2.50,0,2025-01-01 00:00:00,123456789.5",
        ],
    )
    stats = land_and_load(wh, export_dir, data_dir, "products")
    assert rejects(wh, "products") == [
        (
            "products.csv",
            3,
            "weight_kg",
            "123456789.5",
            "number too large (at most 8 digits before the decimal point)",
        )
    ]
    assert_accounted(wh, "products", stats, read=2)
