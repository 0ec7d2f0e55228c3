"""``ecom import DIR``: land a flat export (one CSV per table) in the landing zone.

Why a landing step at all: the pipeline works per day (partitions, skip-unchanged loads), while
a team's systems dump one file per table. The importer splits event tables into one file per
day and stores each dimension export as one dated file, keeping every value verbatim as text
plus ``_source_file`` / ``_source_line`` so a staging reject names the user's own file and line.

Decisions (documented in the README's import section):

- Files are found by name: ``<table>.csv`` for the tables of DATA_CONTRACT.md; other files are
  ignored. A table may be missing from an export (an incremental delivery carries what changed):
  nothing is landed for it and what landed before stays. ``order_items.csv`` needs
  ``orders.csv`` in the same export, since items belong to their order's day.
- Import is additive per day: a day in the export replaces that day's landed file; other landed
  days stay. A dimension export lands as ``<table>/<as-of>.csv`` (a re-import on the same as-of
  replaces it).
- Rows whose day cannot be parsed (and items of unknown orders) land on the as-of day, where
  staging rejects them with the reason (or loads the item with an unknown order): none is dropped.
- A file that cannot be read fails the whole import with one ``ExportError`` message, before
  anything is moved into the landing zone (the work happens in a temp folder beside it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ecom_assets.lib import landing, settings
from ecom_assets.lib.contracts import MAX_DATE, MIN_DATE, SOURCE_TABLES, SourceTable
from ecom_assets.lib.staging import (
    SOURCE_FILE,
    SOURCE_LINE,
    UnreadableFile,
    check_columns,
    iter_text_batches,
    parse_day,
    physical_lines,
    read_header,
)

ORDER = ("orders", "clickstream", "order_items", "inventory", "customers", "products", "marketing_campaigns")
WRITE_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed")
_MIN_DAY = MIN_DATE.date()
_MAX_DAY = MAX_DATE.date()


class ExportError(Exception):
    """An export that cannot be imported; ``str()`` is the one message the user sees."""


@dataclass
class ImportReport:
    """What an import landed: printed by ``ecom import`` and ``ecom demo``."""

    source: Path
    landing_root: Path
    as_of: dt.date
    files: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    days: dict[str, int] = field(default_factory=dict)
    undated_rows: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"imported {self.source} into {self.landing_root} (as-of {self.as_of.isoformat()})"]
        for t, name in self.files.items():
            extra = (
                f", {self.undated_rows[t]:,} without a usable day (on the as-of day)"
                if self.undated_rows.get(t)
                else ""
            )
            lines.append(
                f"  {name:<26} {self.rows.get(t, 0):>11,} rows  {self.days.get(t, 0):>4} day file(s){extra}"
            )
        return "\n".join(lines)


@dataclass
class _Landed:
    rows: int = 0
    days: Counter = field(default_factory=Counter)
    undated: list[pa.Table] = field(default_factory=list)
    max_day: dt.date | None = None
    header: list[str] = field(default_factory=list)


def _with_provenance(batch: pa.RecordBatch, lines: np.ndarray, file_name: str) -> pa.Table:
    t = pa.Table.from_batches([batch])
    for c in (SOURCE_FILE, SOURCE_LINE):  # a re-imported landed file: keep the new provenance
        if c in t.column_names:
            t = t.drop_columns([c])
    t = t.append_column(SOURCE_FILE, pa.repeat(pa.scalar(file_name, pa.string()), t.num_rows))
    return t.append_column(SOURCE_LINE, pa.array(lines, pa.int64()))


def _append(path: Path, data: pa.Table) -> None:
    """Append rows to a landed CSV, writing the header when the file is new."""
    buf = io.BytesIO()
    new = not path.exists()
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
        header = io.StringIO()

        csv.writer(header, lineterminator="\n").writerow(data.column_names)
        buf.write(header.getvalue().encode())
    if data.num_rows:
        pacsv.write_csv(data, buf, write_options=WRITE_OPTIONS)
    with path.open("ab") as f:
        f.write(buf.getvalue())


def _write_by_day(table_dir: Path, data: pa.Table, days: pa.Array) -> Counter:
    """Write rows to one file per day (stable within a day: file order is kept)."""
    counts: Counter = Counter()
    if not data.num_rows:
        return counts
    ints = pc.cast(days, pa.int32()).to_numpy(zero_copy_only=False)
    if (np.diff(ints) >= 0).all():  # exports are usually in time order: no reordering needed
        sorted_days = ints
    else:
        order = np.argsort(ints, kind="stable")
        sorted_days = ints[order]
        data = data.take(pa.array(order))
    starts = np.flatnonzero(np.r_[True, sorted_days[1:] != sorted_days[:-1]])
    ends = np.r_[starts[1:], len(sorted_days)]
    for s, e in zip(starts, ends, strict=True):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=int(sorted_days[s]))
        _append(landing.day_file(table_dir.name, day, table_dir.parent), data.slice(s, e - s))
        counts[day] += int(e - s)
    return counts


def _usable(days: pa.Array) -> pa.Array:
    """Days outside the contract's range are as unusable as unparsable ones."""
    ok = pc.and_(
        pc.greater_equal(days, pa.scalar(_MIN_DAY, pa.date32())),
        pc.less_equal(days, pa.scalar(_MAX_DAY, pa.date32())),
    )
    return pc.if_else(pc.fill_null(ok, False), days, pa.scalar(None, pa.date32()))


class _OrderDays:
    """order_id -> day of the order, from orders.csv (first occurrence of an id wins)."""

    def __init__(self) -> None:
        self.ids: list[pa.Array] = []
        self.days: list[pa.Array] = []
        self._ids: pa.Array | None = None
        self._days: pa.Array | None = None

    def clear(self) -> None:
        self.ids, self.days, self._ids, self._days = [], [], None, None

    def add(self, ids: pa.Array, days: pa.Array) -> None:
        self.ids.append(ids)
        self.days.append(days)

    def lookup(self, ids: pa.Array) -> pa.Array:
        if self._ids is None:
            self._ids = pa.concat_arrays(self.ids) if self.ids else pa.array([], pa.string())
            self._days = pa.concat_arrays(self.days) if self.days else pa.array([], pa.date32())
        pos = pc.index_in(ids, value_set=self._ids)
        return pc.take(self._days, pos)


def _land_event(
    table: SourceTable,
    path: Path,
    out_root: Path,
    day_of: Callable[[pa.Table], pa.Array],
    order_days: _OrderDays | None = None,
) -> _Landed:
    """Split one export file by day; line numbers by the fast path when the file allows."""
    res = _land_event_pass(table, path, out_root, day_of, order_days, simple_lines=True)
    if physical_lines(path) != res.rows + 1:  # quoted newlines or blank lines: count exactly
        shutil.rmtree(out_root / table.name)
        if order_days is not None:
            order_days.clear()
        res = _land_event_pass(table, path, out_root, day_of, order_days, simple_lines=False)
    return res


def _land_event_pass(
    table: SourceTable,
    path: Path,
    out_root: Path,
    day_of: Callable[[pa.Table], pa.Array],
    order_days: _OrderDays | None,
    simple_lines: bool,
) -> _Landed:
    res = _Landed()
    table_dir = out_root / table.name
    table_dir.mkdir(parents=True, exist_ok=True)
    for names, batch, lines in iter_text_batches(path, path.name, simple_lines=simple_lines):
        res.header = names
        data = _with_provenance(batch, lines, path.name)
        days = _usable(day_of(data))
        if order_days is not None:
            order_days.add(data.column(table.key).combine_chunks(), days)
        dated = pc.is_valid(days)
        res.undated.append(data.filter(pc.invert(dated)))
        good = data.filter(dated)
        counts = _write_by_day(table_dir, good, days.filter(dated))
        res.days.update(counts)
        res.rows += data.num_rows
        if counts:
            top = max(counts)
            res.max_day = top if res.max_day is None else max(res.max_day, top)
    if not res.header:
        res.header = read_header(path, path.name)
    return res


def _finish_undated(table: SourceTable, res: _Landed, out_root: Path, as_of: dt.date) -> int:
    """Rows without a usable day go to the as-of day's file (staging says why)."""
    undated = [t for t in res.undated if t.num_rows]
    n = sum(t.num_rows for t in undated)
    path = landing.day_file(table.name, as_of, out_root)
    for t in undated:
        _append(path, t)
    if n or (not res.days and res.rows == 0):
        # a header-only export still lands an (empty) file, so staging records the day
        if not path.exists():
            header = res.header + [SOURCE_FILE, SOURCE_LINE]
            _append(path, pa.table({c: pa.array([], pa.string()) for c in header}))
        res.days[as_of] += n
    return n


def _column_day(column: str, kind: str) -> Callable[[pa.Table], pa.Array]:
    def day_of(data: pa.Table) -> pa.Array:
        return parse_day(data.column(column).combine_chunks(), kind)

    return day_of


def _land_dimension(table: SourceTable, path: Path, out_root: Path, as_of: dt.date) -> _Landed:
    res = _Landed()
    target = landing.day_file(table.name, as_of, out_root)
    for names, batch, lines in iter_text_batches(path, path.name):
        res.header = names
        data = _with_provenance(batch, lines, path.name)
        _append(target, data)
        res.rows += data.num_rows
    if not target.exists():
        header = read_header(path, path.name) + [SOURCE_FILE, SOURCE_LINE]
        _append(target, pa.table({c: pa.array([], pa.string()) for c in header}))
    res.days[as_of] = res.rows
    return res


def import_export(src: Path, as_of: dt.date | None = None, landing_root: Path | None = None) -> ImportReport:
    """Land the export in ``src``; on any unreadable file raise ``ExportError`` and change nothing."""
    src = Path(src)
    root = Path(landing_root) if landing_root else settings.landing_dir()
    if not src.is_dir():
        raise ExportError(f"{src}: not a folder (expected a folder of CSV files, one per table)")
    files = {t: src / f"{t}.csv" for t in ORDER if (src / f"{t}.csv").is_file()}
    if not files:
        expected = ", ".join(f"{t}.csv" for t in ORDER)
        raise ExportError(f"{src}: no export files found (expected one or more of {expected})")
    if "order_items" in files and "orders" not in files:
        raise ExportError(
            f"{files['order_items']}: order_items.csv needs orders.csv in the same export "
            "(items land on their order's day)"
        )
    try:
        headers = {}
        for t, path in files.items():  # fail fast on headers before reading any data
            headers[t] = read_header(path, path.name)
            check_columns(headers[t], SOURCE_TABLES[t], path.name)
    except UnreadableFile as exc:
        raise ExportError(str(exc)) from None

    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=root.parent))
    try:
        report, landed = _land_all(src, files, headers, tmp, as_of, root)
        _commit(tmp, root, files)
        # the records of each file just written: the raw layer need not parse them to count
        landing.record_row_counts(
            {landing.day_file(t, day, root): n for t, res in landed.items() for day, n in res.days.items()}
        )
        landing.write_as_of(report.as_of, root)
    except UnreadableFile as exc:
        raise ExportError(str(exc)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report


def _land_all(
    src: Path,
    files: dict[str, Path],
    headers: dict[str, list[str]],
    tmp: Path,
    as_of: dt.date | None,
    root: Path,
) -> tuple[ImportReport, dict[str, _Landed]]:
    landed: dict[str, _Landed] = {}
    order_days = _OrderDays()
    if "orders" in files:
        landed["orders"] = _land_event(
            SOURCE_TABLES["orders"], files["orders"], tmp, _column_day("order_date", "date"), order_days
        )
    if "clickstream" in files:
        landed["clickstream"] = _land_event(
            SOURCE_TABLES["clickstream"], files["clickstream"], tmp, _column_day("timestamp", "ts")
        )
    if as_of is None:
        found = [r.max_day for r in landed.values() if r.max_day is not None]
        if not found:
            raise ExportError(
                f"{src}: cannot tell the as-of date: no orders.csv or clickstream.csv with a valid "
                "date; pass --as-of YYYY-MM-DD"
            )
        as_of = max(found)
    if "order_items" in files:

        def item_day(data: pa.Table) -> pa.Array:
            return order_days.lookup(data.column("order_id").combine_chunks())

        landed["order_items"] = _land_event(SOURCE_TABLES["order_items"], files["order_items"], tmp, item_day)
    if "inventory" in files:
        if "snapshot_date" in headers["inventory"]:
            inv_day = _column_day("snapshot_date", "date")
        else:

            def inv_day(data: pa.Table) -> pa.Array:
                return pa.array(np.full(data.num_rows, as_of), pa.date32())

        landed["inventory"] = _land_event(SOURCE_TABLES["inventory"], files["inventory"], tmp, inv_day)
    report = ImportReport(src, root, as_of)
    for t, res in landed.items():
        report.undated_rows[t] = _finish_undated(SOURCE_TABLES[t], res, tmp, as_of)
    for t in ("customers", "products", "marketing_campaigns"):
        if t in files:
            landed[t] = _land_dimension(SOURCE_TABLES[t], files[t], tmp, as_of)
    for t in ORDER:
        if t in landed:
            report.files[t] = files[t].name
            report.rows[t] = landed[t].rows
            report.days[t] = len(landed[t].days)
    return report, landed


def _commit(tmp: Path, root: Path, files: dict[str, Path]) -> None:
    """Move the prepared files into the landing zone: each file replaces its day atomically."""
    for t in files:
        src_dir = tmp / t
        if not src_dir.is_dir():
            continue
        dest = root / t
        dest.mkdir(parents=True, exist_ok=True)
        for f in sorted(src_dir.iterdir()):
            os.replace(f, dest / f.name)
