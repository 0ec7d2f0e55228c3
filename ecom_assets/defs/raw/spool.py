"""Rows of one export file, gathered by day with bounded memory, for the importer to land.

Rows stay in memory up to ``BUFFER_ROWS`` (an export of orders at scale 10 never touches the
disk: spooling it and reading it back took a third of its import). Past that, the days a
time-ordered export is done with (no longer in the latest batch) are spooled, each as one part,
and then, if still past it, every day buffered. A file out of order, or a very big day, is
spooled in several parts that are put together when the day is taken. A part is a run of record
batches in an Arrow IPC file with lz4 (the Parquet encoding is paid once, in the landed month
file); the days spooled together share one file, as creating a file costs about a millisecond
(a file per day took 0.6 s of the 2.2 s import of orders and order_items at scale 10). Rows
without a usable day (and lines that could not be read as rows) wait under ``None``; ``settle``
moves them, and the rows dated outside the accepted window, to the as-of day, where staging
rejects them with their reason.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.landing import SOURCE_FILE, SOURCE_LINE
from ecom_assets.lib.window import Window

BUFFER_ROWS = 200_000
EPOCH = dt.date(1970, 1, 1)
_IPC = pa.ipc.IpcWriteOptions(compression="lz4")


@dataclass(frozen=True)
class _Part:
    """Rows of one day spooled to disk: ``batches`` record batches of ``path`` from ``first`` on."""

    path: Path
    first: int
    batches: int
    rows: int


def _write_parts(path: Path, days: list[tuple[dt.date | None, pa.Table]]) -> list[_Part]:
    """Write days of the same schema to one IPC file, each a run of record batches."""
    parts = []
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, days[0][1].schema, options=_IPC) as w:
        for _, data in days:
            batches = data.to_batches()
            for b in batches:
                w.write_batch(b)
            first = parts[-1].first + parts[-1].batches if parts else 0
            parts.append(_Part(path, first, len(batches), data.num_rows))
    return parts


def _read_part(part: _Part, reader: pa.ipc.RecordBatchFileReader) -> pa.Table:
    batches = [reader.get_batch(i) for i in range(part.first, part.first + part.batches)]
    return pa.Table.from_batches(batches, reader.schema)


def _normalize(t: pa.Table) -> pa.Table:
    """Text columns as string, the line as int64 (nulls of fault rows come typed as null)."""
    cols = {}
    for name in t.column_names:
        want = pa.int64() if name == SOURCE_LINE else pa.string()
        col = t.column(name)
        cols[name] = col if col.type == want else pc.cast(col, want)
    return pa.table(cols)


class DaySpool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts_dir = folder / ".parts"
        self.buffer: dict[dt.date | None, list[pa.Table]] = {}
        self.parts: dict[dt.date | None, list[_Part]] = {}
        self._open_parts: dict[Path, int] = {}  # a part file's days not taken yet
        self.buffered = 0
        self._last_day: dt.date | None = None
        self._counter = 0
        self._resort: dt.date | None = None  # the day rows were moved to (file order to restore)
        self._lock = threading.Lock()
        self._reader: tuple[Path, pa.ipc.RecordBatchFileReader] | None = None  # the part file last read

    # -- adding rows --------------------------------------------------------------------------

    def _add(self, key: dt.date | None, rows: pa.Table) -> None:
        if rows.num_rows:
            self.buffer.setdefault(key, []).append(rows)
            self.buffered += rows.num_rows

    def add_by_day(self, rows: pa.Table, days: pa.Array) -> None:
        """Rows with their day (null: no usable day), kept in file order within each day."""
        if not rows.num_rows:
            return
        ints = (
            pc.fill_null(pc.cast(days, pa.int32()), -(2**31)).to_numpy(zero_copy_only=False).astype(np.int64)
        )
        order = np.argsort(ints, kind="stable")
        sorted_days = ints[order]
        if not (np.diff(ints) >= 0).all():
            rows = rows.take(pa.array(order))
        starts = np.flatnonzero(np.r_[True, sorted_days[1:] != sorted_days[:-1]])
        ends = np.r_[starts[1:], len(sorted_days)]
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            v = int(sorted_days[s])
            key = None if v == -(2**31) else EPOCH + dt.timedelta(days=v)
            self._add(key, rows.slice(s, e - s))
        dated = ints[ints != -(2**31)]
        if len(dated):
            self._last_day = EPOCH + dt.timedelta(days=int(dated[-1]))
        if self.buffered > BUFFER_ROWS:
            if len(dated):  # the days a time-ordered export is done with go first, each one part
                first = EPOCH + dt.timedelta(days=int(dated.min()))
                self._flush([k for k in self.buffer if k is not None and k < first])
            if self.buffered > BUFFER_ROWS:
                self._flush(list(self.buffer))

    def add_undated(self, rows: pa.Table) -> None:
        self._add(None, rows)

    def _flush(self, keys: list[dt.date | None]) -> None:
        """Spool the buffered rows of ``keys``: one file per flush (per set of columns: rows of
        faulted lines have more), each day one part in it."""
        by_schema: dict[pa.Schema, list[tuple[dt.date | None, pa.Table]]] = {}
        for key in keys:
            tables = self.buffer.pop(key, [])
            if tables:
                self.buffered -= sum(t.num_rows for t in tables)
                data = _normalize(pa.concat_tables(tables, promote_options="permissive"))
                by_schema.setdefault(data.schema, []).append((key, data))
        for days in by_schema.values():
            self.parts_dir.mkdir(parents=True, exist_ok=True)
            self._counter += 1
            path = self.parts_dir / f"{self._counter}.arrow"
            for (key, _), part in zip(days, _write_parts(path, days), strict=True):
                self.parts.setdefault(key, []).append(part)
            self._open_parts[path] = len(days)

    # -- what was seen --------------------------------------------------------------------------

    def days(self) -> set[dt.date]:
        return {k for k in (*self.buffer, *self.parts) if k is not None}

    def last_row_day(self) -> dt.date | None:
        """The day of the last dated row in file order (a cut-off file's doubtful day)."""
        return self._last_day

    def _open_reader(self, path: Path) -> pa.ipc.RecordBatchFileReader:
        """The reader of a part file, kept while its days are taken one after another (opening
        it for each day read its footer again: 0.1 s of 300 days)."""
        if self._reader is None or self._reader[0] != path:
            self._reader = (path, pa.ipc.open_file(pa.memory_map(str(path))))
        return self._reader[1]

    def _take(self, key: dt.date | None) -> list[pa.Table]:
        with self._lock:  # the importer takes the days of two month files on two threads
            tables = []
            for part in self.parts.pop(key, []):
                tables.append(_read_part(part, self._open_reader(part.path)))
                self._open_parts[part.path] -= 1
                if not self._open_parts[part.path]:  # every day of the file taken
                    if self._reader is not None and self._reader[0] == part.path:
                        self._reader = None
                    part.path.unlink()
                    del self._open_parts[part.path]
            buffered = self.buffer.pop(key, [])
            self.buffered -= sum(t.num_rows for t in buffered)
            return tables + buffered

    # -- finishing --------------------------------------------------------------------------

    def settle(
        self,
        as_of: dt.date,
        window: Window | None,
        mark: Callable[[pa.Table], pa.Table] | None = None,
    ) -> tuple[int, int]:
        """Move undated rows and rows outside ``window`` (``None``: every row) to the as-of day;
        ``mark`` rewrites the rows moved for being outside. Returns (outside, undated) rows."""
        outside = undated = 0
        moved: list[pa.Table] = []
        for key in sorted({*self.buffer, *self.parts}, key=lambda k: (k is not None, k or as_of)):
            if key is None:
                tables = self._take(None)
                undated += sum(t.num_rows for t in tables)
            elif window is not None and not window.contains(key):
                tables = self._take(key)
                outside += sum(t.num_rows for t in tables)
                tables = [mark(t) for t in tables] if mark else tables
            elif window is None and key != as_of:
                tables = self._take(key)
            else:
                continue
            moved += tables
        if moved:
            self.buffer.setdefault(as_of, []).extend(moved)
            self.buffered += sum(t.num_rows for t in moved)
            self._resort = as_of
        if window is None:
            undated = 0
        return outside, undated

    def ensure_day(self, day: dt.date, names: list[str]) -> None:
        """An export without rows still lands an (empty) file, so staging records the delivery."""
        if not self.days():
            cols = {n: pa.array([], pa.string()) for n in names}
            cols[SOURCE_FILE] = pa.array([], pa.string())
            cols[SOURCE_LINE] = pa.array([], pa.int64())
            self.buffer.setdefault(day, []).append(pa.table(cols))

    def final_days(self) -> list[dt.date]:
        """The days to land, oldest first (after ``settle``)."""
        return sorted({*self.buffer, *self.parts} - {None})

    def day_rows(self, key: dt.date) -> int:
        return sum(t.num_rows for t in self.buffer.get(key, [])) + sum(
            p.rows for p in self.parts.get(key, [])
        )

    def take_day(self, key: dt.date) -> pa.Table:
        """One day's rows, in file order, and forget them (the importer lands them)."""
        data = _normalize(pa.concat_tables(self._take(key), promote_options="permissive"))
        if key == self._resort:  # rows moved here from other days: back in file order
            data = data.sort_by([(SOURCE_FILE, "ascending"), (SOURCE_LINE, "ascending")])
        return data
