"""The landing zone: where source rows wait for the pipeline (``$ECOM_DATA_DIR/landing``).

Layout (written by ``ecom import``, which the generator's demo path calls too)::

    landing/<event table>/<YYYY-MM>.parquet      one file per month, a day a run of rows in it: orders,
                                                 order_items, clickstream, inventory
    landing/<dimension>/<YYYY-MM-DD>.parquet     one file per export (all versions it holds): customers, ...
    landing/_as_of                               the as-of date of the landed data (DATA_CONTRACT.md)
    landing/_last_import.json                    what the last import found (warnings, rejects by class)

A landed file holds the export's columns as text, exactly as read, plus ``_source_file`` and
``_source_line`` (the export file and line each row came from, so a reject names the user's own
line) and ``_fault`` / ``_fault_rule`` / ``_fault_column`` / ``_raw`` (set on a line the importer
could not split into fields: its class, rule, column and escaped bytes; staging rejects it).

Why Parquet with zstd: the landed text takes about a tenth of the CSV's bytes, and staging reads
it column by column without parsing CSV a second time. Why a month per file, each day a run of
rows in it: the pipeline still works per day (a new day is loaded alone, an unchanged day is skipped),
but reading or writing a Parquet file costs about a millisecond whatever its size, and a day of a
small shop is a few hundred rows: 400 day files took longer to open than to load (issue 14,
docs/BENCHMARKS.md). The footer of a month file maps each day to its first row, its row count
and a digest of its content, so staging knows what changed without reading the data.

Older landing zones are read too: day files ``<YYYY-MM-DD>.parquet`` or ``.csv`` (an earlier
importer's, or files put there by hand). A month file wins over day files of the same day, a
day's ``.parquet`` over its ``.csv``; a day the next import brings replaces its day files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ecom_assets.lib import settings
from ecom_assets.lib.csv_reader import read_batches
from ecom_assets.lib.csv_text import UnreadableFile
from ecom_assets.lib.day_digest import day_digests

DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(parquet|csv)$")
MONTH_FILE = re.compile(r"^(\d{4}-\d{2})\.parquet$")
DAYS_KEY = "ecom.days"  # footer key of a month file: its days, row groups, rows and digests
# Rows per row group of a month file (a day is a run of rows in it). A read decodes whole row
# groups, so they bound what staging holds beside its chunk: at scale 100, staging clickstream
# peaked at 877 MiB with 65,536-row groups and 777 MiB with 16,384, at the same speed (46 s); the
# landing grew 291 -> 311 MiB.
ROW_GROUP_ROWS = 16_384
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
    """Where the importer lands a dimension export (and where an older landing zone kept a day)."""
    return table_dir(table, root) / f"{day.isoformat()}.parquet"


def month_file(table: str, day: dt.date, root: Path | None = None) -> Path:
    """The month file that holds an event table's ``day``."""
    return table_dir(table, root) / f"{day.strftime('%Y-%m')}.parquet"


@dataclass(frozen=True)
class LandedDay:
    """One landed day of a table: a whole day file, or a run of rows of a month file."""

    day: dt.date
    path: Path
    offset: int | None = None  # its first row in the month file; None: the whole file is the day
    rows: int | None = None  # None: a CSV day file, not counted yet
    digest: str | None = None  # content digest recorded at import (month files)
    group_rows: int = ROW_GROUP_ROWS  # rows per row group of its month file

    def read(self) -> pa.Table:
        """The day's rows (Parquet only; a CSV day file goes through the tolerant reader)."""
        if self.offset is None:
            return read_day(self.path)
        return read_rows(self.path, self.offset, self.rows or 0, self.group_rows)


def _row_groups(offset: int, rows: int, group_rows: int) -> range:
    """The row groups of a month file that hold its rows ``[offset, offset + rows)`` (rows > 0)."""
    return range(offset // group_rows, (offset + rows - 1) // group_rows + 1)


def read_rows(path: Path, offset: int, rows: int, group_rows: int) -> pa.Table:
    """Rows ``[offset, offset + rows)`` of a month file: only the row groups that hold them."""
    f = pq.ParquetFile(path)
    if rows <= 0:
        return f.schema_arrow.empty_table()
    groups = _row_groups(offset, rows, group_rows)
    return f.read_row_groups(list(groups)).slice(offset - groups.start * group_rows, rows)


class MonthReader:
    """Reads the days of one month file in order, decoding each row group once."""

    def __init__(self, path: Path) -> None:
        self._file = pq.ParquetFile(path)
        self._cached: tuple[int, pa.Table] | None = None

    @property
    def schema(self) -> pa.Schema:
        return self._file.schema_arrow

    def _group(self, i: int) -> pa.Table:
        if self._cached is None or self._cached[0] != i:
            self._cached = (i, self._file.read_row_group(i))
        return self._cached[1]

    def read(self, d: LandedDay) -> pa.Table:
        if d.offset is None:
            return d.read()
        rows = d.rows or 0
        if rows <= 0:
            return self.schema.empty_table()
        groups = _row_groups(d.offset, rows, d.group_rows)
        data = pa.concat_tables([self._group(i) for i in groups])
        return data.slice(d.offset - groups.start * d.group_rows, rows)


def month_days(path: Path) -> list[LandedDay]:
    """The days a month file holds, from its footer."""
    try:
        meta = pq.ParquetFile(path).metadata
        footer = json.loads((meta.metadata or {})[DAYS_KEY.encode()])
        group_rows, entries = int(footer["group_rows"]), footer["days"]
    except (pa.ArrowInvalid, OSError, KeyError, ValueError, TypeError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else f"no {DAYS_KEY} in its footer"
        raise UnreadableFile(
            f"{path.parent.name}/{path.name}: not a readable landed file ({why}); import the export again"
        ) from None
    return [
        LandedDay(dt.date.fromisoformat(day), path, offset, rows, digest, group_rows)
        for day, offset, rows, digest in entries
    ]


def landed_files(table: str, root: Path | None = None) -> dict[dt.date, LandedDay]:
    """The landed days of a table, oldest first: a month file's days over day files, a day's
    .parquet over its .csv."""
    folder = table_dir(table, root)
    if not folder.is_dir():
        return {}
    out: dict[dt.date, LandedDay] = {}
    months: list[Path] = []
    for path in sorted(folder.iterdir(), key=lambda p: (p.name.endswith(".parquet"), p.name)):
        if MONTH_FILE.match(path.name):
            months.append(path)
        elif m := DAY_FILE.match(path.name):
            day = dt.date.fromisoformat(m.group(1))
            rows = pq.ParquetFile(path).metadata.num_rows if is_parquet(path) else None
            out[day] = LandedDay(day, path, rows=rows)
    for path in months:
        for d in month_days(path):
            out[d.day] = d
    return dict(sorted(out.items()))


def landed_days(
    table: str, start: dt.date | None = None, end: dt.date | None = None, root: Path | None = None
) -> dict[dt.date, LandedDay]:
    """Landed days in ``[start, end)``."""
    return {
        d: f
        for d, f in landed_files(table, root).items()
        if (start is None or d >= start) and (end is None or d < end)
    }


def count_records(path: Path) -> int:
    """Records in a CSV day file, lines that cannot be read as rows included (staging rejects those)."""
    return sum(b.rows.num_rows + len(b.faults) for b in read_batches(path, f"{path.parent.name}/{path.name}"))


def read_landed_day(table: str, day: dt.date, root: Path | None = None) -> pa.Table:
    """One landed day's rows as stored (a Parquet month or day file)."""
    return landed_files(table, root)[day].read()


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


def landed_schema(names: Iterable[str]) -> pa.Schema:
    """A landed file's columns: the export's as text, the provenance, the fault columns."""
    cols = [n for n in names if n not in (*PROVENANCE, *LANDING_EXTRAS)]
    fields = [pa.field(c, pa.string()) for c in cols]
    fields += [pa.field(SOURCE_FILE, pa.string()), pa.field(SOURCE_LINE, pa.int64())]
    return pa.schema(fields + [pa.field(c, pa.string()) for c in LANDING_EXTRAS])


def conform(data: pa.Table, schema: pa.Schema) -> pa.Table:
    """``data`` with exactly ``schema``'s columns, in its order (a column it lacks: nulls)."""
    cols = []
    for f in schema:
        if f.name in data.column_names:
            col = data.column(f.name)
            cols.append(col if col.type == f.type else col.cast(f.type))
        else:
            cols.append(pa.nulls(data.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def dictionary_columns(data: pa.Table, sample_rows: int = 16_384) -> list[str]:
    """The columns worth dictionary encoding: fewer distinct values than half the rows of a
    sample. Arrow tries a dictionary for every column and gives up on one that grows too big,
    after building it: for ids, URLs and timestamps that was wasted work. Landing clickstream at
    scale 10: 25% less writing time and 20% smaller files than a dictionary for every column."""
    sample = data.slice(0, sample_rows)
    return [
        c
        for c in sample.column_names
        if pc.count_distinct(sample.column(c)).as_py() * 2 < max(1, sample.num_rows)
    ]


_DIGESTS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecom-digest")


class MonthWriter:
    """Writes one month file atomically: days in order, their rows cut into row groups of
    ``ROW_GROUP_ROWS`` (a row group per day would cost a millisecond each to write and to read:
    a small shop's day is a few hundred rows), and the footer that says where each day is.
    ``close()`` puts it in place; ``abort()`` leaves the old file. ``dictionary``: the columns to
    dictionary encode (default: ``dictionary_columns`` of the first rows written; the importer
    decides once per export file, as a month's decision cost 9 ms)."""

    def __init__(
        self,
        path: Path,
        names: Iterable[str],
        group_rows: int | None = None,
        dictionary: list[str] | None = None,
    ) -> None:
        self.path = path
        self.schema = landed_schema(names)
        self.group_rows = group_rows or ROW_GROUP_ROWS
        self.dictionary = dictionary
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{path.name}", dir=path.parent)
        os.close(fd)
        self._writer: pq.ParquetWriter | None = None  # opened by the first row group written
        self._days: list[list] = []  # [day, offset, rows, digest]
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._rows = 0
        self._digested = 0  # the days before this one have their digests taken

    def add(self, day: dt.date, data: pa.Table, digest: str | None = None) -> None:
        """The next day's rows; ``digest``: its content digest when known (rows kept as landed)."""
        self._days.append([day.isoformat(), self._rows, data.num_rows, digest])
        self._rows += data.num_rows
        self._pending.append(data)
        self._pending_rows += data.num_rows
        if self._pending_rows >= self.group_rows:
            self._write(final=False)

    def _write(self, final: bool) -> None:
        """Write whole row groups of the pending rows (all of them when ``final``). The days added
        since the last write are whole in them: their digests are taken together, on a thread
        beside this write (both let go of the GIL; a day at a time, the digests of the many small
        days of a shop held up the writing)."""
        # one chunk per column: the days' tables come in many small chunks, each a step for the
        # digests and the Parquet writer (a clickstream import's CPU 4.4-4.9 -> 3.7-4.1 s)
        data = conform(
            pa.concat_tables(self._pending, promote_options="permissive"), self.schema
        ).combine_chunks()
        first = self._rows - data.num_rows  # the row of the month file data starts at
        new = [e for e in self._days[self._digested :] if e[3] is None]
        job = _DIGESTS.submit(day_digests, data, [(e[1] - first, e[2]) for e in new]) if new else None
        self._digested = len(self._days)
        full = data.num_rows if final else data.num_rows - data.num_rows % self.group_rows
        if full:
            self._open(data).write_table(data.slice(0, full), row_group_size=self.group_rows)
        if job is not None:  # waiting here bounds the rows held
            for entry, digest in zip(new, job.result(), strict=True):
                entry[3] = digest
        rest = data.slice(full)
        self._pending, self._pending_rows = ([rest], rest.num_rows) if rest.num_rows else ([], 0)

    def _open(self, sample: pa.Table) -> pq.ParquetWriter:
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                self._tmp,
                self.schema,
                compression=PARQUET_COMPRESSION,
                use_dictionary=dictionary_columns(sample) if self.dictionary is None else self.dictionary,
                write_statistics=False,
            )
        return self._writer

    def close(self) -> None:
        if self._pending_rows or self._digested < len(self._days):
            self._write(final=True)
        footer = {"group_rows": self.group_rows, "days": self._days}
        writer = self._open(self.schema.empty_table())
        writer.add_key_value_metadata({DAYS_KEY: json.dumps(footer)})
        writer.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        Path(self._tmp).unlink(missing_ok=True)


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
