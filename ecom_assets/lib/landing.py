"""The landing zone: where source CSVs wait for the pipeline (``$ECOM_DATA_DIR/landing``).

Layout (written by ``ecom import`` and by the generator's demo path)::

    landing/<event table>/<YYYY-MM-DD>.csv    one file per day: orders, order_items, clickstream, inventory
    landing/<dimension>/<YYYY-MM-DD>.csv      one file per export (all versions it holds): customers, ...
    landing/_as_of                            the as-of date of the landed data (DATA_CONTRACT.md)
    landing/<table>/.row_counts.json          records per landed file, by size and mtime (a cache)

Landed files may carry two extra columns, ``_source_file`` and ``_source_line``, naming the
export file and line each row came from, so rejects point at the user's own file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ecom_assets.lib import settings

DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.csv$")
AS_OF_FILE = "_as_of"
ROW_COUNTS_FILE = ".row_counts.json"


def table_dir(table: str, root: Path | None = None) -> Path:
    return (root or settings.landing_dir()) / table


def day_file(table: str, day: dt.date, root: Path | None = None) -> Path:
    return table_dir(table, root) / f"{day.isoformat()}.csv"


def landed_files(table: str, root: Path | None = None) -> dict[dt.date, Path]:
    """The landed files of a table by day, oldest first."""
    folder = table_dir(table, root)
    if not folder.is_dir():
        return {}
    out = {}
    for path in sorted(folder.iterdir()):
        m = DAY_FILE.match(path.name)
        if m:
            out[dt.date.fromisoformat(m.group(1))] = path
    return out


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


def first_day(root: Path | None = None) -> dt.date | None:
    """The first day of landed event data: where the time partitions start."""
    days = [
        min(f) for t in ("orders", "order_items", "clickstream", "inventory") if (f := landed_files(t, root))
    ]
    return min(days) if days else None


# ---------------------------------------------------------------- records per landed file
# The raw layer reports how many records each landed file holds. Counting means parsing the CSV
# (quoted values may hold newlines), about 1 s per 300 MB here; the importer knows the counts
# of the files it writes, and the raw assets count a file once. A count is used only while the
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
    """Record counts of the files whose cached size and mtime still match."""
    out: dict[Path, int] = {}
    cache: dict[Path, dict[str, list[int]]] = {}
    for path in files:
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
