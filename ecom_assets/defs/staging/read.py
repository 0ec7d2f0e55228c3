"""Read landed days for staging: text columns, provenance, read faults, and the landed day.

Landed Parquet (written by ``ecom import``) is read as it is: the days of a month file that are
loaded together are read in one call (its row groups decode side by side, and the file is opened
once, not once per day). A CSV day file (an older
landing zone, or a file a user put there by hand) goes through the same tolerant reader as an
export (``lib/csv_reader.py``): its faulted lines arrive as rows with ``_fault`` set, so staging
rejects them like any other bad line, and its rows name the file itself when it carries no
``_source_file`` column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib import csv_reader, landing
from ecom_assets.lib.contracts import DAY_COLUMN, SourceTable
from ecom_assets.lib.csv_reader import UnreadableFile
from ecom_assets.lib.landing import (
    FAULT,
    FAULT_COLUMN,
    FAULT_RULE,
    LANDING_EXTRAS,
    PROVENANCE,
    RAW,
    SOURCE_FILE,
    SOURCE_LINE,
    LandedDay,
)

__all__ = [
    "FAULT", "FAULT_COLUMN", "FAULT_RULE", "LANDING_EXTRAS", "PROVENANCE", "RAW", "SOURCE_FILE",
    "SOURCE_LINE", "UnreadableFile", "chunks", "display", "fault_rows", "read_landed",
]  # fmt: skip

# Rows validated and sent per COPY write. Validating a chunk holds several times its bytes (parsed
# columns, masks, the binary rows to send) and the allocators keep what they freed, so the chunk sets the
# run's peak memory. Staging clickstream at scale 100 (7.5M rows): 200k rows 1,253 MiB peak RSS /
# 45.4 s, 100k 947 MiB / 44.6 s, 50k 821 MiB / 44.1 s; smaller chunks cost no time.
CHUNK_ROWS = 50_000


def display(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def check_columns(names: list[str], table: SourceTable, where: str) -> None:
    missing = [c for c in table.required_columns() if c not in names]
    if missing:
        raise UnreadableFile(
            f"{where}: line 1 (the header): missing required column(s) {', '.join(missing)} "
            f"of {table.name} (found: {', '.join(n for n in names if n not in PROVENANCE)})"
        )


def fault_rows(faults: list[csv_reader.Fault], names: list[str], source: str) -> pa.Table:
    """Faulted lines as landed rows: no values, the fault's class, rule, column and raw bytes."""
    n = len(faults)
    cols = {c: pa.nulls(n, pa.string()) for c in names}
    cols[SOURCE_FILE] = pa.array([source] * n, pa.string())
    cols[SOURCE_LINE] = pa.array([f.line for f in faults], pa.int64())
    cols[FAULT] = pa.array([f.code for f in faults], pa.string())
    cols[FAULT_RULE] = pa.array([f.rule for f in faults], pa.string())
    cols[FAULT_COLUMN] = pa.array([f.column for f in faults], pa.string())
    cols[RAW] = pa.array([f.raw for f in faults], pa.string())
    return pa.table(cols)


def _read_csv(path: Path) -> pa.Table:
    """A CSV day file through the tolerant reader (its own provenance columns kept when present)."""
    where = display(path)
    names = csv_reader.header_of(path, where)
    parts = []
    for batch in csv_reader.read_batches(path, where):
        rows = batch.rows
        if SOURCE_FILE not in names:
            rows = rows.append_column(SOURCE_FILE, pa.array([where] * rows.num_rows, pa.string()))
        if SOURCE_LINE in names:  # landed by an older importer: the export's own lines
            idx = rows.column_names.index(SOURCE_LINE)
            rows = rows.set_column(idx, SOURCE_LINE, pc.cast(rows.column(SOURCE_LINE), pa.int64()))
        else:
            rows = rows.append_column(SOURCE_LINE, pa.array(batch.lines, pa.int64()))
        parts.append(rows)
        if batch.faults:
            export = [c for c in names if c not in PROVENANCE]
            parts.append(fault_rows(batch.faults, export, where))
    if not parts:
        return pa.table({c: pa.array([], pa.int64() if c == SOURCE_LINE else pa.string()) for c in names})
    return pa.concat_tables(parts, promote_options="permissive")


def _prepare(table: SourceTable, data: pa.Table, path: Path) -> pa.Table:
    check_columns(data.column_names, table, display(path))
    keep = [c for c in data.column_names if c in table.columns or c in PROVENANCE or c in LANDING_EXTRAS]
    data = data.select(keep)
    if SOURCE_FILE not in data.column_names:
        data = data.append_column(SOURCE_FILE, pa.array([display(path)] * data.num_rows, pa.string()))
    return data


def _read_parquet(path: Path, rows: tuple[int, int, int] | None = None) -> pa.Table:
    """A Parquet day file, or ``(offset, rows, group_rows)`` of a month file."""
    try:
        return landing.read_day(path) if rows is None else landing.read_rows(path, *rows)
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnreadableFile(
            f"{display(path)}: not a readable landed file ({str(exc).splitlines()[0]}); import the export again"
        ) from None


def read_landed(table: SourceTable, landed: LandedDay) -> pa.Table:
    """A landed day as text with provenance, read faults (when any) and ``_day`` (event tables)."""
    path = landed.path
    if landed.offset is not None:
        data = _read_parquet(path, (landed.offset, landed.rows or 0, landed.group_rows))
    elif landing.is_parquet(path):
        data = _read_parquet(path)
    else:
        data = _read_csv(path)
    data = _prepare(table, data, path)
    if table.is_event:
        data = data.append_column(DAY_COLUMN, pa.array(np.full(data.num_rows, landed.day), pa.date32()))
    return data


def _read_together(table: SourceTable, run: list[tuple[int, LandedDay]]) -> tuple[pa.Table, np.ndarray]:
    """Consecutive days of one month file in one read; the day number of each row."""
    first, counts = run[0][1], [d.rows or 0 for _, d in run]
    data = _prepare(
        table, _read_parquet(first.path, (first.offset or 0, sum(counts), first.group_rows)), first.path
    )
    days = np.repeat(np.array([d.day for _, d in run], dtype="datetime64[D]"), counts)
    data = data.append_column(DAY_COLUMN, pa.array(days, pa.date32()))
    return data, np.repeat(np.array([i for i, _ in run], dtype=np.int64), counts)


def _runs(files: dict[dt.date, LandedDay]) -> Iterator[list[tuple[int, LandedDay]]]:
    """Days to read together, in day order: consecutive days of one month file up to about
    ``CHUNK_ROWS`` rows; a day file alone."""
    run: list[tuple[int, LandedDay]] = []
    rows = 0
    for i, (_, d) in enumerate(sorted(files.items())):
        alone = d.offset is None
        last = run[-1][1] if run else None
        if last is not None and (
            alone
            or last.path != d.path
            or (last.offset or 0) + (last.rows or 0) != d.offset  # not the next rows of the file
            or rows + (d.rows or 0) > CHUNK_ROWS
        ):
            yield run
            run, rows = [], 0
        run.append((i, d))
        rows += d.rows or 0
        if alone:
            yield run
            run, rows = [], 0
    if run:
        yield run


def _concat(tables: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(tables, promote_options="permissive")


def chunks(
    src: SourceTable, files: dict[dt.date, LandedDay]
) -> Iterator[tuple[pa.Table, np.ndarray, int | None]]:
    """Landed rows in day order, in chunks of about ``CHUNK_ROWS``: small days grouped, a big
    day sliced. Yields (rows, day number of each row, the day number when the chunk is a slice
    of one big day, so its slices can share the keys seen so far)."""
    pending: list[pa.Table] = []
    groups: list[np.ndarray] = []
    size = 0

    def flush() -> tuple[pa.Table, np.ndarray, None]:
        nonlocal pending, groups, size
        out = (_concat(pending), np.concatenate(groups), None)
        pending, groups, size = [], [], 0
        return out

    for run in _runs(files):
        if len(run) == 1:
            i, d = run[0]
            t = read_landed(src, d)
            group = np.full(t.num_rows, i, dtype=np.int64)
        else:
            t, group = _read_together(src, run)
        if len(run) == 1 and t.num_rows > CHUNK_ROWS:
            if pending:
                yield flush()
            for start in range(0, t.num_rows, CHUNK_ROWS):
                part = t.slice(start, CHUNK_ROWS)
                yield part, group[start : start + part.num_rows], i
            continue
        if pending and size + t.num_rows > CHUNK_ROWS:  # chunks stay within CHUNK_ROWS
            yield flush()
        pending.append(t)
        groups.append(group)
        size += t.num_rows
        if size >= CHUNK_ROWS:
            yield flush()
    if pending:
        yield flush()
