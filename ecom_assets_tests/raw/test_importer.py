"""The import path: a flat export lands per day with provenance; unreadable files fail clearly."""

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ecom_assets import cli
from ecom_assets.defs.raw import importer
from ecom_assets.lib import landing
from ecom_assets_tests.staging.conftest import (
    CUSTOMER_C1,
    CUSTOMERS_HEADER,
    ITEMS_HEADER,
    ORDERS_HEADER,
    order,
    write,
)


def _rows(table: str, day: dt.date, root: Path) -> list[dict]:
    """A landed day's rows (text values, provenance)."""
    return landing.read_landed_day(table, day, root).to_pylist()


def test_export_lands_by_day_with_provenance(export_dir: Path, data_dir: Path) -> None:
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [order("O1", "2025-10-01"), order("O2", "2025-10-03"), order("O3", "2025-10-01")],
    )
    write(
        export_dir,
        "order_items.csv",
        ITEMS_HEADER,
        ["I1,O2,P1,1,100.00,100.00,", "I2,O1,P1,1,100.00,100.00,", "I3,NOPE,P1,1,1.00,1.00,"],
    )
    write(export_dir, "customers.csv", CUSTOMERS_HEADER, [CUSTOMER_C1])
    write(export_dir, "README.txt", "not a table", [])
    report = importer.import_export(export_dir, today=dt.date(2026, 1, 1))
    root = data_dir / "landing"

    assert report.as_of == dt.date(2025, 10, 3)  # latest order_date
    assert landing.as_of_date(root) == dt.date(2025, 10, 3)
    assert report.rows == {"orders": 3, "order_items": 3, "customers": 1}
    assert report.days == {"orders": 2, "order_items": 2, "customers": 1}
    assert sorted(landing.landed_files("orders", root)) == [dt.date(2025, 10, 1), dt.date(2025, 10, 3)]
    oct1 = landing.read_landed_day("orders", dt.date(2025, 10, 1), root)
    assert oct1.column_names == [
        *ORDERS_HEADER.split(","),
        "_source_file",
        "_source_line",
        *landing.LANDING_EXTRAS,
    ]
    assert oct1.column("_fault").null_count == oct1.num_rows  # read as rows: no fault
    # O1 is export line 2, O3 line 4; both on Oct 1, in file order, values verbatim
    assert [(r["order_id"], r["_source_file"], r["_source_line"]) for r in oct1.to_pylist()] == [
        ("O1", "orders.csv", 2),
        ("O3", "orders.csv", 4),
    ]
    assert oct1.to_pylist()[0]["subtotal"] == "100.00"
    # items follow their order's day; the item of an unknown order lands on the as-of day
    items_oct1 = _rows("order_items", dt.date(2025, 10, 1), root)
    items_oct3 = _rows("order_items", dt.date(2025, 10, 3), root)
    assert [r["order_item_id"] for r in items_oct1] == ["I2"]
    assert [r["order_item_id"] for r in items_oct3] == ["I1", "I3"]
    assert landing.day_file("customers", dt.date(2025, 10, 3), root).is_file()
    text = str(report)
    assert "as-of date 2025-10-03: the latest order/clickstream date not after the day of the import" in text
    assert "orders.csv" in text
    assert not list(root.parent.glob(".import-*"))  # the temp folder is gone


def test_the_columns_worth_a_dictionary_are_chosen_once_per_export_file(
    export_dir: Path, data_dir: Path
) -> None:
    """From the file's first rows (a choice per month file cost 9 ms each): payment_method has
    31 values in the file's 70 rows, so it is dictionary encoded in November too, where each of
    its 30 rows has its own value; unique ids are not, in either month."""
    first = [order(f"O{i}", "2025-10-02") for i in range(40)]
    later = [order(f"P{i}", "2025-11-02", payment_method=f"pm{i}") for i in range(30)]
    write(export_dir, "orders.csv", ORDERS_HEADER, first + later)
    importer.import_export(export_dir, today=dt.date(2026, 1, 1))
    root = data_dir / "landing"
    for month in ("2025-10", "2025-11"):
        meta = pq.ParquetFile(root / "orders" / f"{month}.parquet").metadata.row_group(0)
        encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(meta.num_columns)}
        assert any("DICTIONARY" in e for e in encodings["payment_method"]), month
        assert not any("DICTIONARY" in e for e in encodings["order_id"]), month


def test_as_of_is_the_latest_day_not_after_today_and_is_recorded(export_dir: Path, data_dir: Path) -> None:
    """A future-dated row does not become the as-of date; it lands on the as-of day for staging."""
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [order("O1", "2025-10-01"), order("O2", "2025-10-04"), order("O3", "2031-01-01")],
    )
    report = importer.import_export(export_dir, today=dt.date(2025, 10, 6))
    root = data_dir / "landing"
    assert report.as_of == dt.date(2025, 10, 4)
    assert report.tables["orders"].outside == 1
    assert sorted(landing.landed_files("orders", root)) == [dt.date(2025, 10, 1), dt.date(2025, 10, 4)]
    assert [r["order_id"] for r in _rows("orders", dt.date(2025, 10, 4), root)] == [
        "O2",
        "O3",
    ]
    assert "1 dated outside the window" in str(report)
    assert landing.last_import(root)["as_of"] == "2025-10-04"


def test_as_of_option_and_undated_rows(export_dir: Path, data_dir: Path) -> None:
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", "2025-10-01"), order("O2", "someday")])
    report = importer.import_export(export_dir, as_of=dt.date(2025, 10, 5))
    root = data_dir / "landing"
    assert report.as_of == dt.date(2025, 10, 5)
    assert report.tables["orders"].undated == 1
    rows = _rows("orders", dt.date(2025, 10, 5), root)
    assert [(r["order_date"], r["_source_line"]) for r in rows] == [("someday", 3)]


def test_reimport_replaces_days_in_export_and_keeps_others(export_dir: Path, data_dir: Path) -> None:
    root = data_dir / "landing"
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", "2025-10-01"), order("O2", "2025-10-02")])
    importer.import_export(export_dir)
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O2", "2025-10-02", customer="C9")])
    importer.import_export(export_dir)
    assert sorted(landing.landed_files("orders", root)) == [dt.date(2025, 10, 1), dt.date(2025, 10, 2)]
    assert _rows("orders", dt.date(2025, 10, 2), root)[0]["customer_id"] == "C9"
    assert _rows("orders", dt.date(2025, 10, 1), root)[0]["order_id"] == "O1"


def test_an_older_csv_day_file_is_replaced_by_the_new_landing(export_dir: Path, data_dir: Path) -> None:
    root = data_dir / "landing"
    write(root / "orders", "2025-10-01.csv", ORDERS_HEADER, [order("OLD", "2025-10-01")])
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", "2025-10-01")])
    importer.import_export(export_dir)
    landed = landing.landed_files("orders", root)
    assert list(landed) == [dt.date(2025, 10, 1)]
    assert landed[dt.date(2025, 10, 1)].path == landing.month_file("orders", dt.date(2025, 10, 1), root)
    assert [r["order_id"] for r in landed[dt.date(2025, 10, 1)].read().to_pylist()] == ["O1"]
    assert not (root / "orders" / "2025-10-01.csv").exists()


def test_bom_crlf_quoted_newline_extra_and_reordered_columns_land_verbatim(
    export_dir: Path, data_dir: Path
) -> None:
    cols = ORDERS_HEADER.split(",")
    reordered = ",".join(reversed(cols)) + ",loyalty_tier"
    row = order("O1", "2025-10-01", shipping_address='"1 Main St\r\nFlat 2"').split(",")
    row2 = order("O2", "2025-10-01").split(",")
    body = [",".join(reversed(row)) + ",gold", ",".join(reversed(row2)) + ",silver"]
    path = export_dir / "orders.csv"
    export_dir.mkdir()
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([reordered, *body, ""]).encode())
    importer.import_export(export_dir)
    landed = landing.read_landed_day("orders", dt.date(2025, 10, 1), data_dir / "landing")
    assert landed.column_names == [
        *reordered.split(","),
        "_source_file",
        "_source_line",
        *landing.LANDING_EXTRAS,
    ]
    rows = landed.to_pylist()
    assert rows[0]["shipping_address"] == "1 Main St\r\nFlat 2"
    # O1 spans export lines 2-3, so O2 starts on line 4
    assert [(r["loyalty_tier"], r["_source_line"]) for r in rows] == [("gold", 2), ("silver", 4)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "orders.csv: empty file"),
        (
            b"order_id,customer_id,order_status\nO1,C1,Completed\n",
            "orders.csv: line 1 (the header): missing required column(s) order_date, subtotal",
        ),
        (
            (ORDERS_HEADER + "\n").encode()
            + "".join(order(f"O{i}", customer="Ren\xe9e") + "\n" for i in range(20)).encode("latin-1"),
            "orders.csv: not UTF-8 text as a whole (20 of 20 records have bytes that are not UTF-8, "
            "the first on line 2); save the export as UTF-8",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "orders.csv: line 1 (the header): not UTF-8 text"),
        ("order_id,customer_id\n".encode("utf-16"), "orders.csv: line 1 (the header): not UTF-8 text"),
    ],
    ids=["empty", "missing-column", "latin-1", "binary", "utf-16"],
)
def test_unreadable_file_fails_with_one_message_and_lands_nothing(
    export_dir: Path, data_dir: Path, content: bytes, expected: str
) -> None:
    root = data_dir / "landing"
    write(export_dir / "earlier", "orders.csv", ORDERS_HEADER, [order("O0", "2025-09-30")])
    importer.import_export(export_dir / "earlier")
    before = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    write(
        export_dir, "customers.csv", CUSTOMERS_HEADER, ["C1,a@b.c,2025-01-01,Premium,1,2025-01-01 00:00:00"]
    )
    (export_dir / "orders.csv").write_bytes(content)
    with pytest.raises(importer.ExportError) as err:
        importer.import_export(export_dir)
    assert str(err.value).startswith(expected), str(err.value)
    after = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before  # landing untouched, the customers file included
    assert not list(root.parent.glob(".import-*"))


def test_cli_prints_the_message_without_traceback(
    export_dir: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(export_dir, "orders.csv", "order_id,customer_id", ["O1,C1"])
    assert cli.main(["import", str(export_dir)]) == 2
    err = capsys.readouterr().err
    assert "orders.csv: line 1 (the header): missing required column(s) order_date" in err
    assert "Traceback" not in err


def test_items_without_orders_and_empty_folder_are_refused(export_dir: Path, data_dir: Path) -> None:
    export_dir.mkdir()
    with pytest.raises(importer.ExportError, match="no export files found"):
        importer.import_export(export_dir)
    write(export_dir, "order_items.csv", ITEMS_HEADER, ["I1,O1,P1,1,1.00,1.00,"])
    with pytest.raises(importer.ExportError, match="needs orders.csv"):
        importer.import_export(export_dir)
