"""Rows of one export file, gathered by day into landed files with bounded memory.

An export is usually in time order, so a day is complete when a later batch no longer holds it:
such days are written at once, each as one file. A file out of order, or a very big day, is
written in parts that are merged at the end. Rows without a usable day (and lines that could not
be read as rows) wait under ``None``; ``settle`` moves them, and the rows dated outside the
accepted window, to the as-of day, where staging rejects them with their reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib import landing
from ecom_assets.lib.landing import SOURCE_FILE, SOURCE_LINE
from ecom_assets.lib.window import Window

BUFFER_ROWS = 200_000
EPOCH = dt.date(1970, 1, 1)


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
        self.parts: dict[dt.date | None, list[Path]] = {}
        self.buffered = 0
        self._last_day: dt.date | None = None
        self._counter = 0
        self._resort: dt.date | None = None  # the day rows were moved to (file order to restore)

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
            first = EPOCH + dt.timedelta(days=int(dated.min()))
            for key in [k for k in self.buffer if k is not None and k < first]:
                self._flush(key)  # complete in a time-ordered export
        if self.buffered > BUFFER_ROWS:
            for key in list(self.buffer):
                self._flush(key)

    def add_undated(self, rows: pa.Table) -> None:
        self._add(None, rows)

    def _flush(self, key: dt.date | None) -> None:
        tables = self.buffer.pop(key, [])
        if not tables:
            return
        self.buffered -= sum(t.num_rows for t in tables)
        self.parts_dir.mkdir(parents=True, exist_ok=True)
        self._counter += 1
        path = self.parts_dir / f"{key or 'undated'}.{self._counter}.parquet"
        landing.write_day(path, _normalize(pa.concat_tables(tables, promote_options="permissive")))
        self.parts.setdefault(key, []).append(path)

    # -- what was seen --------------------------------------------------------------------------

    def days(self) -> set[dt.date]:
        return {k for k in (*self.buffer, *self.parts) if k is not None}

    def last_row_day(self) -> dt.date | None:
        """The day of the last dated row in file order (a cut-off file's doubtful day)."""
        return self._last_day

    def _take(self, key: dt.date | None) -> list[pa.Table]:
        tables = [landing.read_day(p) for p in self.parts.pop(key, [])]
        return tables + self.buffer.pop(key, [])

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

    def final_files(self) -> dict[dt.date, Path]:
        """One landed file per day, in the spool folder (a day written in one part is renamed)."""
        out: dict[dt.date, Path] = {}
        for key in sorted({*self.buffer, *self.parts} - {None}):
            path = self.folder / f"{key.isoformat()}.parquet"
            if key not in self.buffer and len(self.parts.get(key, [])) == 1 and key != self._resort:
                self.parts.pop(key)[0].replace(path)
            else:
                data = _normalize(pa.concat_tables(self._take(key), promote_options="permissive"))
                if key == self._resort:  # rows moved here from other days: back in file order
                    data = data.sort_by([(SOURCE_FILE, "ascending"), (SOURCE_LINE, "ascending")])
                landing.write_day(path, data)
            out[key] = path
        return out
