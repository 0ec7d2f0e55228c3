"""Records per landed file: the importer writes them, the raw layer trusts them only while the
file is the one they were taken from (size and mtime), and recounts otherwise."""

import json
import os
from pathlib import Path

from ecom_assets.defs.raw.assets import count_rows, landed_rows
from ecom_assets.lib import importer, landing
from ecom_assets_tests.staging.conftest import CUSTOMER_C1, CUSTOMERS_HEADER, ORDERS_HEADER, order, write


def _import(export_dir: Path, data_dir: Path) -> Path:
    # a quoted newline inside a value: a record is not a line, so counting means parsing
    quoted = order("O2", "2025-10-01", shipping_address='"1 Main St\nBack door"')
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [order("O1", "2025-10-01"), quoted, order("O3", "2025-10-02")],
    )
    write(export_dir, "customers.csv", CUSTOMERS_HEADER, [CUSTOMER_C1])
    importer.import_export(export_dir)
    return data_dir / "landing"


def test_import_records_the_counts_it_wrote(export_dir: Path, data_dir: Path) -> None:
    root = _import(export_dir, data_dir)
    files = landing.landed_files("orders", root)
    known = landing.known_row_counts(files.values())
    assert known == {p: count_rows(p) for p in files.values()}
    assert sorted(known.values()) == [1, 2]
    customers = landing.landed_files("customers", root)
    assert landing.known_row_counts(customers.values()) == {p: 1 for p in customers.values()}
    # the cache file is not a landed day
    assert all(p.name != landing.ROW_COUNTS_FILE for p in files.values())


def test_raw_counts_a_changed_file_again(export_dir: Path, data_dir: Path) -> None:
    root = _import(export_dir, data_dir)
    files = landing.landed_files("orders", root)
    day1 = files[min(files)]
    assert landed_rows(files) == 3

    # appended to: a different size, so the cached count is not used
    with day1.open("a") as f:
        f.write(order("O9", "2025-10-01") + ",orders.csv,99\n")  # + the provenance columns
    assert landed_rows(files) == 4
    assert landing.known_row_counts([day1]) == {day1: 3}  # recorded for the new version

    # edited in place to the same size: only the mtime tells, and it is enough
    text = day1.read_text()
    day1.write_text(text.replace("O9", "O8"))
    st = day1.stat()
    os.utime(day1, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert landing.known_row_counts([day1]) == {}
    assert landed_rows(files) == 4


def test_a_damaged_cache_costs_a_recount_not_a_wrong_number(export_dir: Path, data_dir: Path) -> None:
    root = _import(export_dir, data_dir)
    files = landing.landed_files("orders", root)
    (root / "orders" / landing.ROW_COUNTS_FILE).write_text("{not json")
    assert landing.known_row_counts(files.values()) == {}
    assert landed_rows(files) == 3
    entries = json.loads((root / "orders" / landing.ROW_COUNTS_FILE).read_text())
    assert sorted(e[2] for e in entries.values()) == [1, 2]
