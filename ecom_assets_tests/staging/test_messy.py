"""Each quirk of real exports (DATA_CONTRACT.md): read when unambiguous, else one rejected line with
its reason, and nothing lost (lines read = rows staged + lines rejected)."""

import datetime as dt
from pathlib import Path

import psycopg

from ecom_assets.defs.raw import importer
from ecom_assets.lib import csv_reader, landing, window
from ecom_assets_tests.staging.conftest import (
    CUSTOMER_C1,
    CUSTOMERS_HEADER,
    ITEMS_HEADER,
    ORDERS_HEADER,
    order,
    write,
)
from ecom_assets_tests.staging.test_rejects import assert_accounted, land_and_load, rejects

TODAY = dt.date(2025, 10, 20)


def problems(conn: psycopg.Connection, table: str) -> list[tuple[int, str, str | None]]:
    """(line, class, column) of every problem of every rejected line."""
    return conn.execute(
        f"SELECT source_line, p->>'class', p->>'column' FROM staging.{table}_rejects, "  # noqa: S608
        "jsonb_array_elements(problems) p ORDER BY 1, 2"
    ).fetchall()


def test_float_noise_money_is_the_cent_it_means_and_a_sub_cent_amount_is_rejected(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1")])
    write(
        export_dir,
        "order_items.csv",
        ITEMS_HEADER,
        [
            "I1,O1,P1,2,563.0999999999999,1126.1999999999998,",  # float noise on both
            "I2,O1,P1,1,90.96000000000001,90.96,",
            "I3,O1,P1,1,12.345,12.345,",  # a true sub-cent amount
            "I4,O1,P1,1,1.5E1,15,",  # scientific notation, exact
        ],
    )
    stats = land_and_load(wh, export_dir, data_dir, "order_items")
    staged = wh.execute(
        "SELECT order_item_id, unit_price::text, total_price::text FROM staging.order_items ORDER BY 1"
    ).fetchall()
    assert staged == [("I1", "563.10", "1126.20"), ("I2", "90.96", "90.96"), ("I4", "15.00", "15.00")]
    assert rejects(wh, "order_items") == [
        (
            "order_items.csv",
            4,
            "unit_price",
            "12.345",
            "unit_price: more than 2 decimal(s): not within 1e-6 of a whole cent; "
            "total_price: more than 2 decimal(s): not within 1e-6 of a whole cent",
        )
    ]
    count, example = stats.normalized["float_noise"]
    assert count == 3
    assert example == "order_items.csv line 2, unit_price: '563.0999999999999' -> 563.10"
    assert stats.normalized["scientific"][0] == 1
    assert_accounted(wh, "order_items", stats, read=4)
    ledger = wh.execute(
        "SELECT normalized FROM ops.staging_loads WHERE table_name = 'order_items'"
    ).fetchone()
    assert ledger[0]["float_noise"][0] == 3


def test_decimals_are_parsed_exactly_never_through_a_binary_float(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    """0.285 as a float is 0.28499999999999998; a rate with 4 declared places stays 0.2850."""
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1")])
    header = "campaign_id,campaign_name,channel,start_date,end_date,budget,conversion_rate,updated_at"
    write(
        export_dir,
        "marketing_campaigns.csv",
        header,
        [
            "K1,Autumn,Email,2025-09-01,2025-10-31,1000.285,0.285,2025-09-01 00:00:00",
            "K2,Winter,Email,2025-09-01,2025-10-31,1000.00,0.28500000000000003,2025-09-01 00:00:00",
        ],
    )
    land_and_load(wh, export_dir, data_dir, "marketing_campaigns")
    assert wh.execute(
        "SELECT campaign_id, budget::text, conversion_rate::text FROM staging.marketing_campaigns"
    ).fetchall() == [("K2", "1000.00", "0.2850")]
    assert rejects(wh, "marketing_campaigns")[0][2:4] == ("budget", "1000.285")


def test_sentinel_and_future_dates_are_rejected_naming_the_window_and_stretch_nothing(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [
            order("O1", "2025-10-01"),
            order("O2", "1900-01-01"),
            order("O3", "1970-01-01"),
            order("O4", "2031-05-05"),  # after the as-of date
        ],
    )
    write(export_dir, "order_items.csv", ITEMS_HEADER, ["I1,O1,P1,1,1.00,1.00,", "I2,O2,P1,1,1.00,1.00,"])
    root = data_dir / "landing"
    report = importer.import_export(export_dir, landing_root=root, today=TODAY)
    assert report.as_of == dt.date(2025, 10, 1)
    rule = window.accepted(report.as_of).rule()
    assert rule == (
        "outside the accepted window 2005-10-01..2025-10-01 (20 years before the as-of date to the as-of date)"
    )
    # nothing lands before the window: the partitions start at the first real day
    assert sorted(landing.landed_files("orders", root)) == [dt.date(2025, 10, 1)]
    assert window.first_landed_day(root) == dt.date(2025, 10, 1)
    with wh.transaction():
        from ecom_assets.defs.staging import load

        orders = load.load_days(wh, "orders", landing.landed_files("orders", root), report.window)
        items = load.load_days(wh, "order_items", landing.landed_files("order_items", root), report.window)
    assert [r[1:] for r in rejects(wh, "orders")] == [
        (3, "order_date", "1900-01-01", rule),
        (4, "order_date", "1970-01-01", rule),
        (5, "order_date", "2031-05-05", rule),
    ]
    # the item of the 1900 order goes with it, saying why
    assert rejects(wh, "order_items") == [("order_items.csv", 3, None, None, f"its order is dated {rule}")]
    assert_accounted(wh, "orders", orders, read=4)
    assert_accounted(wh, "order_items", items, read=2)


def test_lines_that_cannot_be_rows_are_rejected_with_their_bytes_and_the_rest_loads(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    export_dir.mkdir()
    lines = [
        ORDERS_HEADER.encode(),
        order("O1").encode(),
        order("O2", customer="Ren\xe9e").encode("latin-1"),  # a stray byte that is not UTF-8
        order("O3", shipping_address="1 Main\x00St").encode(),  # a NUL byte
        ORDERS_HEADER.encode(),  # two exports concatenated
        b"O4,C1,2025-10-01",  # too few fields
        order("O5").encode() + b",extra",  # too many fields
        order("O6").encode(),
        order("O7").encode()[:-5],  # cut off: no line break at the end
    ]
    (export_dir / "orders.csv").write_bytes(b"\n".join(lines))
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    assert [r[0] for r in wh.execute("SELECT order_id FROM staging.orders ORDER BY 1")] == ["O1", "O6"]
    assert problems(wh, "orders") == [
        (3, "invalid_utf8", "customer_id"),
        (4, "nul_byte", "shipping_address"),
        (5, "repeated_header", None),
        (6, "too_few_fields", None),
        (7, "too_many_fields", None),
        (9, "cut_off", None),
    ]
    raw = dict(wh.execute("SELECT source_line, raw_record FROM staging.orders_rejects").fetchall())
    assert raw[3] == order("O2", customer="Ren\\xe9e")  # the undecodable byte escaped
    assert csv_reader.unescape(raw[3]) == lines[2]  # and nothing of it lost
    assert csv_reader.unescape(raw[4]) == lines[3]
    assert raw[6] == "O4,C1,2025-10-01"
    assert_accounted(wh, "orders", stats, read=8)


def test_a_year_zero_date_is_one_rejected_line_not_a_failed_load(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1"), order("O2", delivery_date="0000-01-01")])
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    assert wh.execute("SELECT order_id FROM staging.orders").fetchall() == [("O1",)]
    assert rejects(wh, "orders") == [
        (
            "orders.csv",
            3,
            "delivery_date",
            "0000-01-01",
            "year 0000 does not exist (PostgreSQL's dates start at 0001-01-01)",
        )
    ]
    assert_accounted(wh, "orders", stats, read=2)


def test_loose_spellings_are_read_and_counted(
    wh: psycopg.Connection, export_dir: Path, data_dir: Path
) -> None:
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [
            order("O1", created_at="2025-10-01T10:00:00Z", updated_at="2025-10-01T12:00:00+02:00"),
            order(" O2 ", payment_method="NULL", delivery_date="N/A", created_at="\\N"),
            order("O3", customer="NULL"),  # a null marker in a required column
            order("O4", payment_method="None", updated_at="2025-10-01 10:00:00.123456789"),
        ],
    )
    stats = land_and_load(wh, export_dir, data_dir, "orders")
    rows = wh.execute(
        "SELECT order_id, payment_method, delivery_date, created_at, updated_at FROM staging.orders ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("O1", "card", None, dt.datetime(2025, 10, 1, 10), dt.datetime(2025, 10, 1, 10)),
        ("O2", None, None, None, dt.datetime(2025, 10, 1, 10)),
        ("O4", None, None, dt.datetime(2025, 10, 1, 10), dt.datetime(2025, 10, 1, 10, 0, 0, 123456)),
    ]
    assert rejects(wh, "orders") == [
        ("orders.csv", 4, "customer_id", "NULL", "required value missing (written as a null marker)")
    ]
    # cells of the staged rows only: O3's marker made it a reject, not a normalization
    assert {k: v[0] for k, v in stats.normalized.items()} == {
        "iso_timestamp": 2,  # O1's Z and +02:00
        "null_marker": 4,  # O2: payment_method, delivery_date, created_at; O4: payment_method
        "whitespace": 1,  # " O2 "
        "ts_precision": 1,  # O4's nanoseconds
    }
    assert_accounted(wh, "orders", stats, read=4)


def test_a_timestamp_with_an_offset_lands_on_its_utc_day(export_dir: Path, data_dir: Path) -> None:
    header = "event_id,session_id,event_type,page_url,timestamp"
    write(
        export_dir,
        "clickstream.csv",
        header,
        ["E1,S1,page_view,/,2025-10-01T23:30:00-05:00", "E2,S1,page_view,/,2025-10-01 23:30:00"],
    )
    root = data_dir / "landing"
    importer.import_export(export_dir, landing_root=root, today=TODAY)
    files = landing.landed_files("clickstream", root)
    by_day = {d: [r["event_id"] for r in f.read().to_pylist()] for d, f in files.items()}
    assert by_day == {dt.date(2025, 10, 1): ["E2"], dt.date(2025, 10, 2): ["E1"]}


def test_a_cut_off_export_never_replaces_a_fuller_landed_day_and_is_named(
    export_dir: Path, data_dir: Path
) -> None:
    root = data_dir / "landing"
    full = [order(f"O{i}", "2025-10-01") for i in range(1, 6)] + [order("O9", "2025-10-02")]
    write(export_dir / "first", "orders.csv", ORDERS_HEADER, full)
    importer.import_export(export_dir / "first", landing_root=root, today=TODAY)
    day1 = dt.date(2025, 10, 1)
    before = landing.read_landed_day("orders", day1, root)
    assert before.num_rows == 5

    cut = (ORDERS_HEADER + "\n" + order("O1", "2025-10-01") + "\n" + order("O2", "2025-10-01")[:-9]).encode()
    (export_dir / "cut").mkdir()
    (export_dir / "cut" / "orders.csv").write_bytes(cut)
    report = importer.import_export(export_dir / "cut", landing_root=root, today=TODAY)
    assert landing.read_landed_day("orders", day1, root).equals(before)  # 5 rows stay; the cut export had 1
    assert report.tables["orders"].kept_days == [dt.date(2025, 10, 1)]
    text = str(report)
    assert "orders.csv looks cut off: line 3 ends without a line break (rejected)" in text
    assert "kept the landed rows of 2025-10-01" in text
    assert "ends on 2025-10-01 but landed orders data already runs to 2025-10-02" in text


def test_a_table_covering_far_fewer_days_than_the_others_is_named(export_dir: Path, data_dir: Path) -> None:
    days = [dt.date(2025, 9, 1) + dt.timedelta(days=i) for i in range(30)]
    write(
        export_dir, "orders.csv", ORDERS_HEADER, [order(f"O{i}", d.isoformat()) for i, d in enumerate(days)]
    )
    write(export_dir, "order_items.csv", ITEMS_HEADER, [f"I{i},O{i},P1,1,1.00,1.00," for i in range(10)])
    write(export_dir, "customers.csv", CUSTOMERS_HEADER, [CUSTOMER_C1])
    report = importer.import_export(export_dir, landing_root=data_dir / "landing", today=TODAY)
    assert report.warnings == [
        "order_items.csv covers 2025-09-01..2025-09-10 (10 days) while orders.csv to 2025-09-30: "
        "it looks cut short"
    ]


def test_a_csv_day_file_put_in_the_landing_zone_by_hand_is_read_as_tolerantly(
    wh: psycopg.Connection, data_dir: Path
) -> None:
    root = data_dir / "landing"
    write(root / "orders", "2025-10-01.csv", ORDERS_HEADER, [order("O1"), "O2,C1", order("O3")])
    from ecom_assets.defs.staging import load

    with wh.transaction():
        stats = load.load_days(wh, "orders", landing.landed_files("orders", root))
    assert (stats.rows_read, stats.rows_staged, stats.rows_rejected) == (3, 2, 1)
    assert problems(wh, "orders") == [(3, "too_few_fields", None)]
    assert wh.execute("SELECT source_file FROM staging.orders_rejects").fetchone() == (
        "orders/2025-10-01.csv",
    )
