"""Months landed while their export is still being read (``importer._write_early``) must land
exactly what landing them at the end lands: the same days, rows, digests and report, whatever
the file's order, its outliers, a cut-off last line or what landed before. Small read blocks make
a small export many batches, so months are written early."""

import datetime as dt
import functools
import json
import shutil
from pathlib import Path

import pytest

from ecom_assets.defs.raw import importer
from ecom_assets.lib import csv_reader, landing
from ecom_assets_tests.staging.conftest import ITEMS_HEADER, ORDERS_HEADER, order, write

TODAY = dt.date(2026, 3, 1)
START = dt.date(2025, 10, 1)


def _orders(days: int = 120, per_day: int = 3) -> tuple[list[str], list[str]]:
    orders, items = [], []
    for i in range(days * per_day):
        day = (START + dt.timedelta(days=i // per_day)).isoformat()
        orders.append(order(f"O{i}", day))
        items.append(f"I{i},O{i},P1,1,100.00,100.00,{day} 10:00:00")
    return orders, items


def _landed(root: Path) -> dict:
    return {
        t: {d.isoformat(): (f.path.name, f.rows, f.digest) for d, f in landing.landed_files(t, root).items()}
        for t in ("orders", "order_items")
    }


def _import_both_ways(
    export: Path, before: Path | None, tmp: Path, monkeypatch: pytest.MonkeyPatch, as_of: dt.date | None
) -> tuple[dict, dict, list[str]]:
    """Import ``export`` over a copy of the landing zone ``before``, late and early; returns what
    landed each way and the month files written into the import's temp folder."""
    read = csv_reader.read_batches
    monkeypatch.setattr(importer.csv_reader, "read_batches", functools.partial(read, block_size=1024))
    written, write_month = [], importer._write_month
    monkeypatch.setattr(importer, "_write_month", lambda out, *a: written.append(out) or write_month(out, *a))
    out = {}
    for early in (False, True):
        monkeypatch.setattr(importer, "EARLY_MONTHS", early)
        root = tmp / f"early-{early}" / "landing"
        if before is not None:
            shutil.copytree(before, root)
        report = importer.import_export(export, as_of=as_of, landing_root=root, today=TODAY)
        summary = json.dumps(report.summary(), default=str, sort_keys=True).replace(str(root), "ROOT")
        out[early] = {
            "landed": _landed(root),
            "report": summary,
            "files": sorted(p.name for p in root.rglob("*")),
        }
        assert not list(root.parent.glob(".import-*"))  # the temp folder is gone
    early_months = [p.name for p in written if ".import-" in str(p)]
    return out[False], out[True], early_months


@pytest.mark.parametrize(
    "as_of",
    [None, dt.date(2026, 1, 28), dt.date(2025, 12, 10)],
    ids=["as-of from the data", "as-of given", "as-of before the data ends"],
)
def test_a_time_ordered_export_with_outliers_lands_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_of: dt.date | None
) -> None:
    orders, items = _orders()
    orders[50] = order("S1", "1900-01-01")  # a sentinel: outside the window, to the as-of day
    orders[200] = order("F1", "2030-01-01")  # the future
    orders[250] = order("U1", "")  # no date
    orders.insert(300, "X1,C1,2025-12-30,Completed,card,100.00,10.00,5.00,8.00,103.00,1 Main St,,,,extra")
    write(tmp_path / "export", "orders.csv", ORDERS_HEADER, orders)
    write(tmp_path / "export", "order_items.csv", ITEMS_HEADER, items)
    late, early, written = _import_both_ways(tmp_path / "export", None, tmp_path, monkeypatch, as_of)
    assert early == late
    assert written.count("2025-10.parquet") == 2  # of orders and of items, early
    assert "2025-11.parquet" in written
    if as_of == dt.date(2025, 12, 10):  # its month receives the rows dated after it: not early
        assert "2025-12.parquet" not in written


def test_a_month_reached_again_after_it_was_written_lands_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders, items = _orders()
    orders.append(order("LATE", "2025-10-05"))  # after the file has moved far past October
    items.append("ILATE,LATE,P1,1,100.00,100.00,2025-10-05 10:00:00")
    write(tmp_path / "export", "orders.csv", ORDERS_HEADER, orders)
    write(tmp_path / "export", "order_items.csv", ITEMS_HEADER, items)
    late, early, written = _import_both_ways(tmp_path / "export", None, tmp_path, monkeypatch, None)
    assert early == late
    assert "2025-10.parquet" in written  # written early, then put back and landed at commit
    october = early["landed"]["orders"]["2025-10-05"]
    assert october[1] == 4  # the three of the day and the late one


def test_over_a_landed_zone_and_cut_off_in_an_early_month_lands_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Landed days the export does not bring stay in their month files. The file's last row is
    dated back in a month already written, and the line after it is cut off: that row's day is
    doubtful, and as it landed with more rows before, those are kept."""
    orders, items = _orders(days=150)
    write(tmp_path / "first", "orders.csv", ORDERS_HEADER, orders)
    write(tmp_path / "first", "order_items.csv", ITEMS_HEADER, items)
    before = tmp_path / "before" / "landing"
    importer.import_export(tmp_path / "first", landing_root=before, today=TODAY)

    again, again_items = _orders(days=120)
    again = [r for r in again if ",2025-11-0" not in r and ",2025-11-20," not in r]
    again += [order("LATE", "2025-11-20"), order("CUT", "2025-11-21")]
    path = write(tmp_path / "export", "orders.csv", ORDERS_HEADER, again)
    path.write_bytes(path.read_bytes().rstrip(b"\n")[:-30])  # the last line cut off mid-write
    write(tmp_path / "export", "order_items.csv", ITEMS_HEADER, again_items)
    late, early, written = _import_both_ways(tmp_path / "export", before, tmp_path, monkeypatch, None)
    assert early == late
    assert "2025-11.parquet" in written  # written early, reached again by the last row
    landed = early["landed"]["orders"]
    assert landed["2025-11-02"][1] == 3  # kept from before: the export lacks it
    assert landed["2026-02-15"][1] == 3  # beyond this export's days: kept too
    assert landed["2025-11-20"][1] == 3  # the doubtful day: 3 landed rows kept against 1
    assert '"kept_days": ["2025-11-20"]' in early["report"]


def test_an_export_that_fails_after_months_were_written_early_lands_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders, _ = _orders()
    latin1 = [order(f"L{i}", "2026-01-28", shipping_address="Caf\xe9") for i in range(40)]
    path = write(tmp_path / "export", "orders.csv", ORDERS_HEADER, orders)
    with path.open("ab") as f:  # the end of the file is not UTF-8: the file as a whole is not
        f.write("\n".join(latin1).encode("latin-1") + b"\n")
    monkeypatch.setattr(
        importer.csv_reader, "read_batches", functools.partial(csv_reader.read_batches, block_size=1024)
    )
    root = tmp_path / "landing"
    with pytest.raises(importer.ExportError, match="not UTF-8 text as a whole"):
        importer.import_export(tmp_path / "export", landing_root=root, today=TODAY)
    assert not root.exists() or not any(root.rglob("*.parquet"))
    assert not list(tmp_path.glob(".import-*"))
