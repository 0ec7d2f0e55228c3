"""The landing zone: where source CSVs wait for the pipeline (``$ECOM_DATA_DIR/landing``).

Layout (written by ``ecom import`` and by the generator's demo path)::

    landing/<event table>/<YYYY-MM-DD>.csv    one file per day: orders, order_items, clickstream, inventory
    landing/<dimension>/<YYYY-MM-DD>.csv      one file per export (all versions it holds): customers, ...
    landing/_as_of                            the as-of date of the landed data (DATA_CONTRACT.md)

Landed files may carry two extra columns, ``_source_file`` and ``_source_line``, naming the
export file and line each row came from, so rejects point at the user's own file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ecom_assets.lib import settings

DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.csv$")
AS_OF_FILE = "_as_of"


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
