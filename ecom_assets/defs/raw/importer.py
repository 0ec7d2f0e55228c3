"""``ecom import DIR``: land a flat export (one CSV per table) in the landing zone, day by day.

Why a landing step at all: the pipeline works per day (partitions, skip-unchanged loads), while
a team's systems dump one file per table. The importer splits event tables by day (a file per
month, each day a run of rows in it: ``lib/landing.py`` says why) and stores each dimension export as one
dated file, keeping every value verbatim as text plus ``_source_file`` / ``_source_line``, so a
staging reject names the user's own file and line.

Decisions (DATA_CONTRACT.md "Bad input", "Dates, days and the as-of date"):

- Files are found by name (``<table>.csv``); other files are ignored. A table may be missing (an
  incremental delivery carries what changed): what landed before stays. ``order_items.csv``
  needs ``orders.csv`` in the same export, since items belong to their order's day.
- A day in the export replaces that day's landed rows; other landed days stay (the month file
  is written again with them, their content digests unchanged, so staging skips them). A
  dimension export lands as ``<table>/<as-of>.parquet``.
- The as-of date is ``--as-of``, else the latest order or clickstream day not after the day of
  the import (a future-dated row does not move it); the import prints which and why.
- Lines that cannot be split into fields (cut off, not UTF-8, a NUL byte, the header repeated,
  too few or too many fields) land on the as-of day with their fault and their raw bytes;
  rows without a usable day or dated outside the accepted window land there too, and items of
  an order dated outside it are marked: staging rejects each with its reason. Nothing is dropped.
- A file that ends without a line break was cut off: its last line is rejected, the import
  says so, and the day of its last row keeps its landed rows when they were more (a partial
  export never replaces good data). A table that covers far fewer days than the others,
  or ends before what already landed, is named in a warning.
- A file that cannot be read at all fails the whole import with one ``ExportError`` message,
  before anything is moved into the landing zone (the work happens in a temp folder beside it).

What an import landed, and how it is printed and kept, is ``import_report.py``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.defs.raw.import_report import ImportReport, TableReport
from ecom_assets.defs.raw.spool import DaySpool
from ecom_assets.defs.staging.read import check_columns, fault_rows
from ecom_assets.lib import csv_reader, landing, settings, values
from ecom_assets.lib import window as window_mod
from ecom_assets.lib.contracts import SOURCE_TABLES, SourceTable
from ecom_assets.lib.csv_reader import UnreadableFile
from ecom_assets.lib.landing import FAULT, FAULT_RULE, SOURCE_FILE, SOURCE_LINE
from ecom_assets.lib.progress import Progress

ORDER = ("orders", "clickstream", "order_items", "inventory", "customers", "products", "marketing_campaigns")
CORE_EVENTS = ("orders", "order_items", "clickstream")  # exports of these end on the same day
SHORT_COVERAGE = 0.9  # a core table covering less than this share of the others' days is named
MONTH_WRITERS = 2


class ExportError(Exception):
    """An export that cannot be imported; ``str()`` is the one message the user sees."""


# ---------------------------------------------------------------- one event file


def _day_column(table: SourceTable, names: list[str]) -> tuple[str, str] | None:
    """The column (and its kind) that places a row on a day, when the file has it."""
    if table.day_column and table.day_column in names:
        return table.day_column, table.column_kinds()[table.day_column]
    return None


def _provenance(rows: pa.Table, lines: np.ndarray, file_name: str) -> pa.Table:
    for c in (SOURCE_FILE, SOURCE_LINE):  # a re-imported landed file: keep the new provenance
        if c in rows.column_names:
            rows = rows.drop_columns([c])
    rows = rows.append_column(SOURCE_FILE, pa.repeat(pa.scalar(file_name, pa.string()), rows.num_rows))
    return rows.append_column(SOURCE_LINE, pa.array(lines, pa.int64()))


class _OrderDays:
    """order_id -> day of the order, from orders.csv (the first row of an id wins)."""

    def __init__(self) -> None:
        self.ids: list[pa.Array] = []
        self.days: list[pa.Array] = []
        self._ids: pa.Array | None = None
        self._days: pa.Array | None = None

    def add(self, ids: pa.Array, days: pa.Array) -> None:
        self.ids.append(ids)
        self.days.append(days)

    def lookup(self, ids: pa.Array) -> pa.Array:
        if self._ids is None:
            self._ids = pa.concat_arrays(self.ids) if self.ids else pa.array([], pa.string())
            self._days = pa.concat_arrays(self.days) if self.days else pa.array([], pa.date32())
        return pc.take(self._days, pc.index_in(ids, value_set=self._ids))


@dataclass
class _Landing:
    table: SourceTable
    report: TableReport
    spool: DaySpool
    names: list[str]
    cut_line: int | None = None
    dictionary: list[str] | None = None  # the columns its month files dictionary encode


def _land_file(
    table: SourceTable,
    path: Path,
    tmp: Path,
    names: list[str],
    day_of: Callable[[pa.Table], pa.Array] | None,
    progress: Progress,
    order_days: _OrderDays | None = None,
) -> _Landing:
    """Read one export file into its spool: by day (event tables) or all together (dimensions)."""
    land = _Landing(table, TableReport(path.name), DaySpool(tmp / table.name), names)
    size = path.stat().st_size
    progress.step(f"import {path.name}", total=size, unit="B")
    offset = 0
    for batch in _read_ahead(csv_reader.read_batches(path, path.name)):
        rows = _provenance(batch.rows, batch.lines, path.name)
        land.report.rows += rows.num_rows + len(batch.faults)
        if land.dictionary is None and rows.num_rows and table.is_event:  # (a dimension file: write_day)
            land.dictionary = landing.dictionary_columns(landing.conform(rows, landing.landed_schema(names)))
        if day_of is None:
            land.spool.add_undated(rows)
        else:
            days = day_of(rows)
            if order_days is not None:
                order_days.add(rows.column(table.key).combine_chunks(), days)
            land.spool.add_by_day(rows, days)
        for f in batch.faults:
            land.report.faults[f.code] += 1
            land.report.fault_example.setdefault(f.code, f"line {f.line}: {f.rule}")
            if f.code in (csv_reader.CUT_OFF, csv_reader.UNCLOSED_QUOTE):
                land.cut_line = f.line
        if batch.faults:
            land.spool.add_undated(fault_rows(batch.faults, names, path.name))
        progress.advance(max(0, batch.end_offset - offset))
        offset = max(offset, batch.end_offset)
    faults = sum(land.report.faults.values())
    progress.done(f"{land.report.rows:,} lines" + (f", {faults:,} not readable as rows" if faults else ""))
    return land


_END = object()


def _read_ahead(batches: Iterator[csv_reader.Batch]) -> Iterator[csv_reader.Batch]:
    """The batches, the next one read and parsed on a thread while this one is placed on its days
    and spooled (the CSV parse and the spool's writes let go of the GIL; the import kept 1.3 of
    2 cores busy). One batch ahead at most: a 16 MiB block."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecom-read") as pool:
        ahead = pool.submit(next, batches, _END)
        while (batch := ahead.result()) is not _END:
            ahead = pool.submit(next, batches, _END)
            yield batch


def _ts_or_date_day(column: str, kind: str) -> Callable[[pa.Table], pa.Array]:
    def day_of(rows: pa.Table) -> pa.Array:
        return values.parse_day(rows.column(column), kind)

    return day_of


def _mark_outside(rule: str) -> Callable[[pa.Table], pa.Table]:
    """Items moved for their order's date: the reason travels with them to staging."""

    def mark(rows: pa.Table) -> pa.Table:
        n = rows.num_rows
        for c, v in ((FAULT, "order_outside_window"), (FAULT_RULE, rule)):
            if c in rows.column_names:
                rows = rows.drop_columns([c])
            rows = rows.append_column(c, pa.array([v] * n, pa.string()))
        return rows

    return mark


# ---------------------------------------------------------------- the whole export


def _find_files(src: Path) -> dict[str, Path]:
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
    return files


def import_export(
    src: Path,
    as_of: dt.date | None = None,
    landing_root: Path | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Land the export in ``src``; on a file that cannot be read raise ``ExportError``, change nothing."""
    src = Path(src)
    root = Path(landing_root) if landing_root else settings.landing_dir()
    files = _find_files(src)
    try:
        headers = {}
        for t, path in files.items():  # fail fast on headers before reading any data
            headers[t] = csv_reader.header_of(path, path.name)
            check_columns(headers[t], SOURCE_TABLES[t], path.name)
    except UnreadableFile as exc:
        raise ExportError(str(exc)) from None
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=root.parent))
    try:
        report, landed = _land_all(
            src, files, headers, tmp, as_of, root, today or dt.date.today(), progress or Progress.silent()
        )
        _commit(tmp, root, landed, report)
        landing.write_as_of(report.as_of, root)
        landing.write_last_import(report.summary(), root)
    except UnreadableFile as exc:
        raise ExportError(str(exc)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report


def _choose_as_of(landed: dict[str, _Landing], today: dt.date, src: Path) -> tuple[dt.date, str]:
    days = [d for t in ("orders", "clickstream") if t in landed for d in landed[t].spool.days() if d <= today]
    if not days:
        raise ExportError(
            f"{src}: cannot tell the as-of date: no orders.csv or clickstream.csv with a valid date "
            f"on or before today ({today.isoformat()}); pass --as-of YYYY-MM-DD"
        )
    return max(
        days
    ), f"the latest order/clickstream date not after the day of the import ({today.isoformat()})"


def _land_all(
    src: Path,
    files: dict[str, Path],
    headers: dict[str, list[str]],
    tmp: Path,
    as_of: dt.date | None,
    root: Path,
    today: dt.date,
    progress: Progress,
) -> tuple[ImportReport, dict[str, _Landing]]:
    landed: dict[str, _Landing] = {}
    tables = SOURCE_TABLES
    order_days = _OrderDays()
    for t in ("orders", "clickstream"):
        if t in files:
            col, kind = _day_column(tables[t], headers[t]) or (tables[t].day_column, "date")
            landed[t] = _land_file(tables[t], files[t], tmp, headers[t], _ts_or_date_day(col, kind), progress,
                                   order_days if t == "orders" else None)  # fmt: skip
    if as_of is None:
        as_of, reason = _choose_as_of(landed, today, src)
    else:
        reason = "given with --as-of"
    window = window_mod.accepted(as_of)
    if "order_items" in files:

        def item_day(rows: pa.Table) -> pa.Array:
            return order_days.lookup(rows.column("order_id").combine_chunks())

        landed["order_items"] = _land_file(tables["order_items"], files["order_items"], tmp,
                                           headers["order_items"], item_day, progress)  # fmt: skip
    if "inventory" in files:
        found = _day_column(tables["inventory"], headers["inventory"])

        def as_of_day(rows: pa.Table) -> pa.Array:
            return pa.array(np.full(rows.num_rows, as_of), pa.date32())

        inv_day = _ts_or_date_day(*found) if found else as_of_day
        landed["inventory"] = _land_file(tables["inventory"], files["inventory"], tmp, headers["inventory"],
                                         inv_day, progress)  # fmt: skip
    report = ImportReport(src, root, as_of, reason, window)
    item_mark = _mark_outside(f"its order is dated {window.rule()}")
    for t, land in landed.items():
        mark = item_mark if t == "order_items" else None
        outside, undated = land.spool.settle(as_of, window, mark)
        land.report.outside = outside
        land.report.undated = undated - sum(land.report.faults.values())  # faulted lines wait there too
        land.spool.ensure_day(as_of, headers[t])
    for t in ("customers", "products", "marketing_campaigns"):
        if t in files:
            landed[t] = _land_file(tables[t], files[t], tmp, headers[t], None, progress)
            landed[t].spool.settle(as_of, None)
            landed[t].spool.ensure_day(as_of, headers[t])
    for t, land in landed.items():
        days = sorted(land.spool.days())
        land.report.days = len(days)
        land.report.first_day, land.report.last_day = (days[0], days[-1]) if days else (None, None)
        report.tables[t] = land.report
    report.tables = {t: report.tables[t] for t in ORDER if t in report.tables}
    report.warnings = _coverage_warnings(landed, root)
    return report, landed


def _coverage_warnings(landed: dict[str, _Landing], root: Path) -> list[str]:
    """Name the tables whose days look cut short, against the other tables and against what landed."""
    out = []
    for land in landed.values():
        r = land.report
        if land.cut_line is not None:
            out.append(
                f"{r.file} looks cut off: line {land.cut_line:,} ends without a line break (rejected); "
                "re-export the file if it is incomplete"
            )
    spans = {
        t: (landed[t].report.first_day, landed[t].report.last_day, landed[t].report.days)
        for t in CORE_EVENTS
        if t in landed and landed[t].report.last_day is not None
    }
    if len(spans) > 1:
        latest = max(s[1] for s in spans.values())
        most = max(s[2] for s in spans.values())
        for t, (first, last, days) in spans.items():
            if last < latest - dt.timedelta(days=1) or days < SHORT_COVERAGE * most:
                others = ", ".join(f"{landed[o].report.file} to {spans[o][1]}" for o in spans if o != t)
                out.append(
                    f"{landed[t].report.file} covers {first}..{last} ({days:,} days) while {others}: "
                    "it looks cut short"
                )
    for t, land in landed.items():
        before = landing.landed_files(t, root)
        r = land.report
        if not before or r.last_day is None or not SOURCE_TABLES[t].is_event:
            continue
        if r.first_day is not None and r.first_day <= min(before) and r.last_day < max(before):
            out.append(
                f"{r.file} ends on {r.last_day} but landed {t} data already runs to {max(before)}: "
                "this export covers fewer days than before"
            )
    return out


def _commit(tmp: Path, root: Path, landed: dict[str, _Landing], report: ImportReport) -> None:
    """Write the spooled days into the landing zone: a dimension export as its file, event days
    into their month files (each written beside the old one and moved into place).

    A cut-off file's last day is doubtful: when the landed rows of that day were more, they
    stay, and the report says so."""
    for t, land in landed.items():
        (root / t).mkdir(parents=True, exist_ok=True)
        if not land.table.is_event:
            for day in land.spool.final_days():
                landing.write_day(landing.day_file(t, day, root), land.spool.take_day(day))
            continue
        before = landing.landed_files(t, root)
        doubtful = land.spool.last_row_day() if land.cut_line is not None else None
        keep = set()
        if doubtful in before and _rows(before[doubtful]) > land.spool.day_rows(doubtful):
            keep.add(doubtful)
            land.report.kept_days.append(doubtful)
            report.warnings.append(
                f"{land.report.file}: kept the landed rows of {doubtful}, which are more than this "
                "cut-off export has for that day"
            )
        months: dict[tuple[int, int], list[dt.date]] = {}
        for day in land.spool.final_days():
            months.setdefault((day.year, day.month), []).append(day)
        # two month files at a time: Parquet encodes a file's columns on one thread, and the
        # importer is otherwise one core's work (clickstream at scale 10: 1.3 cores busy before)
        with ThreadPoolExecutor(max_workers=MONTH_WRITERS, thread_name_prefix="ecom-month") as pool:
            for done in [pool.submit(_write_month, landing.month_file(t, d[0], root), land, d, keep)
                         for d in months.values()]:  # fmt: skip
                done.result()


def _write_month(path: Path, land: _Landing, days: list[dt.date], keep: set[dt.date]) -> None:
    """One month file: the export's days, and the landed days of that month it does not replace."""
    old = {d.day: d for d in landing.month_days(path)} if path.is_file() else {}
    reader = landing.MonthReader(path) if old else None
    old_names = reader.schema.names if reader else []
    writer = landing.MonthWriter(
        path, land.names + [n for n in old_names if n not in land.names], dictionary=land.dictionary
    )
    same_columns = old_names == writer.schema.names
    replaced = []
    try:
        for day in sorted(set(days) | set(old)):
            if day in days and day not in keep:
                writer.add(day, land.spool.take_day(day))
                replaced.append(day)
            elif reader is not None and day in old:  # unchanged columns: the same rows, the same digest
                writer.add(day, reader.read(old[day]), old[day].digest if same_columns else None)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    for day in replaced:  # a day file of an older landing zone, now in the month file
        for suffix in (".parquet", ".csv"):
            path.with_name(f"{day.isoformat()}{suffix}").unlink(missing_ok=True)


def _rows(day: landing.LandedDay) -> int:
    return day.rows if day.rows is not None else landing.count_records(day.path)
