"""The import path: a flat export lands per day with provenance; unreadable files fail clearly."""

import datetime as dt
from pathlib import Path

import pytest

from ecom_assets import cli
from ecom_assets.lib import importer, landing
from ecom_assets_tests.staging.conftest import (
    CUSTOMER_C1,
    CUSTOMERS_HEADER,
    ITEMS_HEADER,
    ORDERS_HEADER,
    order,
    write,
)


def _read(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_export_lands_one_file_per_day_with_provenance(export_dir: Path, data_dir: Path) -> None:
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
    report = importer.import_export(export_dir)
    root = data_dir / "landing"

    assert report.as_of == dt.date(2025, 10, 3)  # latest order_date
    assert landing.as_of_date(root) == dt.date(2025, 10, 3)
    assert report.rows == {"orders": 3, "order_items": 3, "customers": 1}
    assert report.days == {"orders": 2, "order_items": 2, "customers": 1}
    assert sorted(landing.landed_files("orders", root)) == [dt.date(2025, 10, 1), dt.date(2025, 10, 3)]
    oct1 = _read(landing.day_file("orders", dt.date(2025, 10, 1), root))
    assert oct1[0] == ORDERS_HEADER + ",_source_file,_source_line"
    # O1 is export line 2, O3 line 4; both on Oct 1, in file order
    assert [ln.split(",")[0].strip('"') for ln in oct1[1:]] == ["O1", "O3"]
    assert [ln.split(",")[-2:] for ln in oct1[1:]] == [['"orders.csv"', "2"], ['"orders.csv"', "4"]]
    # items follow their order's day; the item of an unknown order lands on the as-of day
    items_oct1 = _read(landing.day_file("order_items", dt.date(2025, 10, 1), root))
    items_oct3 = _read(landing.day_file("order_items", dt.date(2025, 10, 3), root))
    assert [ln.split(",")[0].strip('"') for ln in items_oct1[1:]] == ["I2"]
    assert [ln.split(",")[0].strip('"') for ln in items_oct3[1:]] == ["I1", "I3"]
    assert (root / "customers" / "2025-10-03.csv").is_file()
    assert "as-of 2025-10-03" in str(report) and "orders.csv" in str(report)
    assert not list(root.parent.glob(".import-*"))  # the temp folder is gone


def test_as_of_option_and_undated_rows(export_dir: Path, data_dir: Path) -> None:
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", "2025-10-01"), order("O2", "someday")])
    report = importer.import_export(export_dir, as_of=dt.date(2025, 10, 5))
    root = data_dir / "landing"
    assert report.as_of == dt.date(2025, 10, 5)
    assert report.undated_rows["orders"] == 1
    lines = _read(landing.day_file("orders", dt.date(2025, 10, 5), root))
    assert len(lines) == 2 and '"someday"' in lines[1] and lines[1].endswith(",3")


def test_reimport_replaces_days_in_export_and_keeps_others(export_dir: Path, data_dir: Path) -> None:
    root = data_dir / "landing"
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", "2025-10-01"), order("O2", "2025-10-02")])
    importer.import_export(export_dir)
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O2", "2025-10-02", customer="C9")])
    importer.import_export(export_dir)
    assert sorted(landing.landed_files("orders", root)) == [dt.date(2025, 10, 1), dt.date(2025, 10, 2)]
    assert '"C9"' in _read(landing.day_file("orders", dt.date(2025, 10, 2), root))[1]
    assert '"O1"' in _read(landing.day_file("orders", dt.date(2025, 10, 1), root))[1]


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
    text = landing.day_file("orders", dt.date(2025, 10, 1), data_dir / "landing").read_bytes().decode()
    header = text.split("\n", 1)[0]
    assert header == reordered + ",_source_file,_source_line"  # BOM gone, order kept
    assert '"1 Main St\r\nFlat 2"' in text
    # O1 spans export lines 2-3, so O2 starts on line 4
    assert text.rstrip("\n").endswith('"silver","orders.csv",4')


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "orders.csv: empty file"),
        (
            b"order_id,customer_id,order_status\nO1,C1,Completed\n",
            "orders.csv: line 1 (the header): missing required column(s) order_date, subtotal",
        ),
        (
            (ORDERS_HEADER + "\n" + order("O1") + "\n").encode()
            + order("O2", customer="C\xff").encode("latin-1"),
            "orders.csv: line 3, column customer_id: not UTF-8 text (byte 0xff)",
        ),
        (
            (ORDERS_HEADER + "\n" + order("O1") + "\nO2,C1,2025-10-01\n").encode(),
            "orders.csv: line 3: 3 fields where the header has 14",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "orders.csv: line 1 (the header): not UTF-8 text"),
    ],
    ids=["empty", "missing-column", "not-utf8", "ragged", "binary"],
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
