"""Writing an export: one CSV per source table, in DATA_CONTRACT.md's layout, memory flat.

Event rows are drawn day by day as numbers and turned into text in batches of days (about
``FLUSH_ROWS`` rows), so the arrow/CSV work runs in few large passes while memory holds the
dimensions plus one batch, whatever the scale or the length of the window.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ecom_assets.lib.contracts import SOURCE_TABLES
from ecom_assets.lib.generator import columns as col
from ecom_assets.lib.generator.timeline import OPENING, default_end
from ecom_assets.lib.generator.world import World
from ecom_assets.lib.progress import Progress

FLUSH_ROWS = 250_000  # event rows held before they are turned into text and written
EVENT_FILES = ("orders", "order_items", "clickstream", "inventory")
DIMENSION_FILES = ("customers", "products", "marketing_campaigns")
ALL_FILES = (
    "customers",
    "products",
    "orders",
    "order_items",
    "clickstream",
    "marketing_campaigns",
    "inventory",
)
_WRITE_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed")


@dataclass
class GenerateReport:
    """What a generator run wrote: rows and bytes per file, wall time, where."""

    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    start: dt.date | None = None
    end: dt.date | None = None
    scale: float = 1.0
    seed: int = 42

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def __str__(self) -> str:
        lines = [
            f"generated {self.start} .. {self.end} (scale {self.scale:g}, seed {self.seed}) into {self.out}",
            f"  {'table':<22}{'rows':>12}{'bytes':>15}",
        ]
        for name, rows in self.rows.items():
            lines.append(f"  {name:<22}{rows:>12,}{self.bytes.get(name, 0):>15,}")
        lines.append(
            f"  {'total':<22}{self.total_rows:>12,}{sum(self.bytes.values()):>15,}   in {self.seconds:.1f} s"
        )
        return "\n".join(lines)


class _CsvFile:
    """One output CSV: a plain header line, then row batches in contract column order."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.columns = SOURCE_TABLES[name].columns
        self.rows = 0
        self._f = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._f.write((",".join(self.columns) + "\n").encode())

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            buf = io.BytesIO()
            pacsv.write_csv(table.select(self.columns), buf, _WRITE_OPTIONS)
            self._f.write(buf.getbuffer())
            self.rows += table.num_rows

    def close(self) -> int:
        self._f.close()
        return self.path.stat().st_size


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate days of numeric rows; ``prev`` (a row index within its day) is shifted along."""
    if len(parts) == 1:
        return parts[0]
    out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    if "prev" in out:
        offsets = np.cumsum([0] + [len(p["day"]) for p in parts[:-1]])
        shift = np.repeat(offsets, [len(p["day"]) for p in parts])
        out["prev"] = np.where(out["prev"] >= 0, out["prev"] + shift, -1)
    return out


def _days(start: dt.date, end: dt.date) -> Iterator[int]:
    yield from range(start.toordinal(), end.toordinal() + 1)


def generate(
    out: Path,
    scale: float = 1.0,
    seed: int = 42,
    start: dt.date | None = None,
    end: dt.date | None = None,
    progress: bool | Progress = True,
) -> GenerateReport:
    """Write a full export (one CSV per source table) for ``start .. end`` (``end`` = as-of date).

    Dimension files hold every version that took effect by ``end``; event files hold the rows of
    every day in the window, drawn day by day and written in batches of days (at most about
    ``FLUSH_ROWS`` rows), so memory stays flat. ``progress``: a ``lib.progress.Progress`` that
    gets one step per month (``True``: one line per month on stderr; ``False``: nothing).
    """
    t0 = time.perf_counter()
    start = start or OPENING
    end = end or default_end()
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = World(seed, scale, until=end)
    report = GenerateReport(out=out, start=start, end=end, scale=scale, seed=seed)

    for name, table in world.dimension_tables().items():
        f = _CsvFile(out / f"{name}.csv", name)
        f.write(_as_of(name, table, end, world))
        report.bytes[name] = f.close()
        report.rows[name] = f.rows

    files = {name: _CsvFile(out / f"{name}.csv", name) for name in EVENT_FILES}
    pending: dict[str, list[dict[str, np.ndarray]]] = {name: [] for name in EVENT_FILES}
    pending_rows = 0

    def flush() -> None:
        nonlocal pending_rows
        for name, parts in pending.items():
            if parts:
                files[name].write(world.format_rows(name, _concat(parts)))
                parts.clear()
        pending_rows = 0

    if not isinstance(progress, Progress):
        progress = Progress("lines" if progress else "quiet")
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    progress.step("generate", total=months, unit="months")
    month, month_t0, month_rows = None, time.perf_counter(), dict.fromkeys(EVENT_FILES, 0)
    try:
        for ordinal in _days(start, end):
            day = dt.date.fromordinal(ordinal)
            if month is not None and (day.year, day.month) != month:
                flush()
                progress.advance(1, _month_line(month, month_rows, time.perf_counter() - month_t0))
                month_t0, month_rows = time.perf_counter(), dict.fromkeys(EVENT_FILES, 0)
            month = (day.year, day.month)
            for name, cols in world.day_data(ordinal).items():
                rows = len(cols["day"])
                pending[name].append(cols)
                month_rows[name] += rows
                pending_rows += rows
            if pending_rows >= FLUSH_ROWS:  # batches of days: text in few large passes, memory flat
                flush()
        flush()
        if month is not None:
            progress.advance(1, _month_line(month, month_rows, time.perf_counter() - month_t0))
        progress.done(f"{months} months into {out}")
    finally:
        for name, f in files.items():
            report.bytes[name] = f.close()
            report.rows[name] = f.rows
    report.rows = {name: report.rows[name] for name in ALL_FILES}
    report.bytes = {name: report.bytes[name] for name in ALL_FILES}
    report.seconds = time.perf_counter() - t0
    return report


def generate_day(out: Path, day: dt.date, scale: float = 1.0, seed: int = 42) -> GenerateReport:
    """Write only the event tables of one day: the same rows a full ``generate`` writes for it.

    Inventory is written only when ``day`` is a snapshot day (a Monday). Any day is allowed: the
    daily schedule uses the days after the landed as-of date to simulate a new day of business.
    """
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = World(seed, scale, until=day)
    report = GenerateReport(out=out, start=day, end=day, scale=scale, seed=seed)
    for name, table in world.day_tables(day.toordinal()).items():
        f = _CsvFile(out / f"{name}.csv", name)
        f.write(table)
        report.bytes[name] = f.close()
        report.rows[name] = f.rows
    report.seconds = time.perf_counter() - t0
    return report


def _as_of(name: str, table: pa.Table, end: dt.date, world: World) -> pa.Table:
    """A dimension as the export of ``end`` shows it: without the versions that take effect
    later (they have not happened yet), campaigns marked active when they run on ``end``.

    A product's first version always stays: it is back-dated (DATA_CONTRACT.md), and events of a
    window that ends before a product's launch may already reference it.
    """
    limit = pa.scalar(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()), type=pa.timestamp("s"))
    keep = pc.less(table["updated_at"], limit)
    if name == "products":
        keep = pc.or_(keep, pa.array(world.products.first_version))
    if name == "marketing_campaigns":
        day = end.toordinal()
        running = (world.campaigns.table_start <= day) & (day <= world.campaigns.table_end)
        table = table.set_column(table.schema.get_field_index("is_active"), "is_active", col.bools(running))
    return table.filter(keep)


def _month_line(month: tuple[int, int], rows: dict[str, int], seconds: float) -> str:
    """What ``generate`` reports per month of event rows written."""
    label = f"{month[0]}-{month[1]:02d}"
    parts = ", ".join(f"{rows[n]:,} {n}" for n in EVENT_FILES)
    return f"generate {label} ({calendar.month_abbr[month[1]]}): {parts} in {seconds:.1f} s"
