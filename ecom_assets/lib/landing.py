"""The landing zone: where source rows wait for the pipeline (``$ECOM_DATA_DIR/landing``).

Layout (written by ``ecom import``, which the generator's demo path calls too)::

    landing/<event table>/<YYYY-MM-DD>.parquet  one file per day: orders, order_items, clickstream, inventory
    landing/<dimension>/<YYYY-MM-DD>.parquet    one file per export (all versions it holds): customers, ...
    landing/_as_of                              the as-of date of the landed data (DATA_CONTRACT.md)
    landing/_last_import.json                   what the last import found (warnings, rejects by class)

A landed file holds the export's columns as text, exactly as read, plus ``_source_file`` and
``_source_line`` (the export file and line each row came from, so a reject names the user's own
line) and, on a line the importer could not split into fields, ``_fault`` / ``_fault_rule`` /
``_fault_column`` / ``_raw`` (its class, rule, column and escaped bytes; staging rejects it).
Why Parquet with zstd: the landed text takes about a quarter of the CSV's bytes, and staging reads
it column by column without parsing CSV a second time (docs/BENCHMARKS.md). Day files written as
CSV (an older landing zone, or files put there by hand) are read too: CSV wins over nothing, a
``.parquet`` file of the same day wins over a ``.csv``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ecom_assets.lib import settings

DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(parquet|csv)$")
AS_OF_FILE = "_as_of"
LAST_IMPORT_FILE = "_last_import.json"
ROW_COUNTS_FILE = ".row_counts.json"

SOURCE_FILE = "_source_file"
SOURCE_LINE = "_source_line"
PROVENANCE = (SOURCE_FILE, SOURCE_LINE)
FAULT = "_fault"
FAULT_RULE = "_fault_rule"
FAULT_COLUMN = "_fault_column"
RAW = "_raw"
LANDING_EXTRAS = (FAULT, FAULT_RULE, FAULT_COLUMN, RAW)
PARQUET_COMPRESSION = "zstd"


def table_dir(table: str, root: Path | None = None) -> Path:
    return (root or settings.landing_dir()) / table


def day_file(table: str, day: dt.date, root: Path | None = None) -> Path:
    """Where the importer lands a table's day."""
    return table_dir(table, root) / f"{day.isoformat()}.parquet"


def landed_files(table: str, root: Path | None = None) -> dict[dt.date, Path]:
    """The landed files of a table by day, oldest first (a day's .parquet over its .csv)."""
    folder = table_dir(table, root)
    if not folder.is_dir():
        return {}
    out: dict[dt.date, Path] = {}
    for path in sorted(folder.iterdir(), key=lambda p: (p.name.endswith(".parquet"), p.name)):
        m = DAY_FILE.match(path.name)
        if m:
            out[dt.date.fromisoformat(m.group(1))] = path
    return dict(sorted(out.items()))


def write_day(path: Path, data: pa.Table) -> None:
    """Write a landed file (text columns and provenance) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    os.close(fd)
    pq.write_table(data, tmp, compression=PARQUET_COMPRESSION, use_dictionary=True, write_statistics=False)
    os.replace(tmp, path)
    stale = path.with_suffix(".csv")  # an older landing zone's file of the same day
    if stale.exists():
        stale.unlink()


def read_day(path: Path) -> pa.Table:
    # ParquetFile.read: a third of read_table's time on a small day file (no dataset discovery)
    return pq.ParquetFile(path).read()


def is_parquet(path: Path) -> bool:
    return path.suffix == ".parquet"


def landed_days(
    table: str, start: dt.date | None = None, end: dt.date | None = None, root: Path | None = None
) -> dict[dt.date, Path]:
    """Landed day files in ``[start, end)``."""
    return {
        d: p
        for d, p in landed_files(table, root).items()
        if (start is None or d >= start) and (end is None or d < end)
    }


def as_of_date(root: Path | None = None) -> dt.date | None:
    """The as-of date of the landed data, or ``None`` before anything landed."""
    path = (root or settings.landing_dir()) / AS_OF_FILE
    if path.is_file():
        return dt.date.fromisoformat(path.read_text().strip())
    days = [d for t in ("orders", "clickstream") for d in landed_files(t, root)]
    return max(days) if days else None


def write_as_of(day: dt.date, root: Path | None = None) -> None:
    root = root or settings.landing_dir()
    root.mkdir(parents=True, exist_ok=True)
    (root / AS_OF_FILE).write_text(day.isoformat() + "\n")


def first_day(root: Path | None = None, not_before: dt.date | None = None) -> dt.date | None:
    """The first day of landed event data (on or after ``not_before``): where the partitions start."""
    days = [
        min(d for d in f if not_before is None or d >= not_before)
        for t in ("orders", "order_items", "clickstream", "inventory")
        if (f := landed_files(t, root)) and any(not_before is None or d >= not_before for d in f)
    ]
    return min(days) if days else None


def write_last_import(summary: dict, root: Path | None = None) -> None:
    root = root or settings.landing_dir()
    root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=LAST_IMPORT_FILE, dir=root)
    with os.fdopen(fd, "w") as f:
        json.dump(summary, f, indent=1, default=str)
    os.replace(tmp, root / LAST_IMPORT_FILE)


def last_import(root: Path | None = None) -> dict:
    """What the last ``ecom import`` reported (empty when none is known)."""
    try:
        data = json.loads(((root or settings.landing_dir()) / LAST_IMPORT_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# ---------------------------------------------------------------- records per landed file
# The raw layer reports how many records each landed file holds: a Parquet file says so in its
# footer. A CSV day file (put there by hand, or an older landing zone) must be parsed to count
# (quoted values may hold newlines), about 1 s per 300 MB here, so its count is kept. A count is used only while the
# file's size and modification time (ns) are the ones it was taken at, so a file replaced or
# edited in place is counted again; a lost or damaged cache only costs a recount.


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _read_counts(folder: Path) -> dict[str, list[int]]:
    try:
        data = json.loads((folder / ROW_COUNTS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def known_row_counts(files: Iterable[Path]) -> dict[Path, int]:
    """Record counts of the files whose cached size and mtime still match (Parquet: its footer)."""
    out: dict[Path, int] = {}
    cache: dict[Path, dict[str, list[int]]] = {}
    for path in files:
        if is_parquet(path):
            out[path] = pq.ParquetFile(path).metadata.num_rows
            continue
        entries = cache.setdefault(path.parent, _read_counts(path.parent))
        entry = entries.get(path.name)
        if isinstance(entry, list) and len(entry) == 3 and entry[:2] == _stamp(path):
            out[path] = int(entry[2])
    return out


def record_row_counts(counts: dict[Path, int]) -> None:
    """Remember record counts of landed files (as of their size and mtime now)."""
    by_folder: dict[Path, dict[Path, int]] = {}
    for path, rows in counts.items():
        by_folder.setdefault(path.parent, {})[path] = rows
    for folder, items in by_folder.items():
        entries = {name: entry for name, entry in _read_counts(folder).items() if (folder / name).is_file()}
        for path, rows in items.items():
            entries[path.name] = [*_stamp(path), int(rows)]
        fd, tmp = tempfile.mkstemp(prefix=ROW_COUNTS_FILE, dir=folder)
        with os.fdopen(fd, "w") as f:
            json.dump(entries, f, separators=(",", ":"))
        os.replace(tmp, folder / ROW_COUNTS_FILE)
