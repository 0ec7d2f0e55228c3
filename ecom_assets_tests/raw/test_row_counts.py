"""Records per landed file: a Parquet file (what the importer writes) says so in its footer; a CSV
day file (put there by hand, or an older landing zone) is counted by parsing once, and the count
is trusted only while the file is the one it was taken from (size and mtime)."""

import datetime as dt
import json
import os
from pathlib import Path

from ecom_assets.defs.raw import importer
from ecom_assets.defs.raw.assets import landed_rows
from ecom_assets.lib import landing
from ecom_assets_tests.staging.conftest import CUSTOMER_C1, CUSTOMERS_HEADER, ORDERS_HEADER, order, write

# a quoted newline inside a value: a record is not a line, so counting a CSV means parsing it
QUOTED = order("O2", "2025-10-01", shipping_address='"1 Main St\nBack door"')


def test_imported_files_are_counted_from_their_footer_faulted_lines_included(
    export_dir: Path, data_dir: Path
) -> None:
    lines = [order("O1", "2025-10-01"), QUOTED, "O4,C1,2025-10-01", order("O3", "2025-10-02")]
    write(export_dir, "orders.csv", ORDERS_HEADER, lines)
    write(export_dir, "customers.csv", CUSTOMERS_HEADER, [CUSTOMER_C1])
    report = importer.import_export(export_dir)
    files = landing.landed_files("orders", data_dir / "landing")
    # Oct 1: O1 and O2; Oct 2 (the as-of day): O3 and the line with too few fields
    assert {d: f.rows for d, f in files.items()} == {dt.date(2025, 10, 1): 2, dt.date(2025, 10, 2): 2}
    assert {d: f.read().num_rows for d, f in files.items()} == {
        dt.date(2025, 10, 1): 2,
        dt.date(2025, 10, 2): 2,
    }
    assert landed_rows(files) == report.rows["orders"] == 4
    customers = [d.path for d in landing.landed_files("customers", data_dir / "landing").values()]
    assert landing.known_row_counts(customers) == {p: 1 for p in customers}
    assert not (data_dir / "landing" / "orders" / landing.ROW_COUNTS_FILE).exists()


def _hand_landed(data_dir: Path) -> dict[dt.date, landing.LandedDay]:
    root = data_dir / "landing"
    write(root / "orders", "2025-10-01.csv", ORDERS_HEADER, [order("O1", "2025-10-01"), QUOTED])
    write(root / "orders", "2025-10-02.csv", ORDERS_HEADER, [order("O3", "2025-10-02")])
    return landing.landed_files("orders", root)


def test_a_csv_day_file_is_counted_once_and_again_when_it_changes(data_dir: Path) -> None:
    files = _hand_landed(data_dir)
    day1 = files[min(files)].path
    paths = [d.path for d in files.values()]
    assert landing.known_row_counts(paths) == {}
    assert landed_rows(files) == 3
    assert landing.known_row_counts(paths) == {p: landing.count_records(p) for p in paths}

    # appended to: a different size, so the cached count is not used
    with day1.open("a") as f:
        f.write(order("O9", "2025-10-01") + "\n")
    assert landed_rows(files) == 4
    assert landing.known_row_counts([day1]) == {day1: 3}  # recorded for the new version

    # edited in place to the same size: only the mtime tells, and it is enough
    text = day1.read_text()
    day1.write_text(text.replace("O9", "O8"))
    st = day1.stat()
    os.utime(day1, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert landing.known_row_counts([day1]) == {}
    assert landed_rows(files) == 4


def test_a_damaged_cache_costs_a_recount_not_a_wrong_number(data_dir: Path) -> None:
    files = _hand_landed(data_dir)
    folder = data_dir / "landing" / "orders"
    assert landed_rows(files) == 3
    (folder / landing.ROW_COUNTS_FILE).write_text("{not json")
    assert landing.known_row_counts([d.path for d in files.values()]) == {}
    assert landed_rows(files) == 3
    entries = json.loads((folder / landing.ROW_COUNTS_FILE).read_text())
    assert sorted(e[2] for e in entries.values()) == [1, 2]
    # the cache file is not a landed day
    assert all(
        d.path.name != landing.ROW_COUNTS_FILE
        for d in landing.landed_files("orders", data_dir / "landing").values()
    )
