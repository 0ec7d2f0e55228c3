"""``ecom generate --messy``: give a clean export the quirks of real ones, at a small stated rate.

Real exports (DATA_CONTRACT.md) carry float noise on money (``1126.1999999999998``), sentinel
and future dates, a last line cut off mid-write, a stray byte that is not UTF-8, a NUL byte, the
header repeated where two exports were concatenated, an unquoted comma, null markers (``NULL``,
``None``, ``N/A``, ``\\N``), ISO timestamps with ``T``/``Z`` and stray whitespace. This module
rewrites a generated export in place with each quirk on ``rate`` of its table's lines (at least
one line), deterministically from the seed, so the demo, the tests and the benchmarks exercise the
reject path at any scale. What the pipeline must do with each quirk: read it (normalize) or
reject the line with its reason, and lose nothing.

Lines are rewritten one by one, streaming, so a multi-GB export costs seconds, not memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_RATE = 0.001
Edit = Callable[[dict[str, str], random.Random], bool]  # True when it changed the row


@dataclass(frozen=True)
class Quirk:
    name: str
    table: str
    expect: str  # what the pipeline does with it
    edit: Edit | None = None  # a change to a row's values; None: a change to the file itself


def _noise(value: str) -> str:
    """The float a program computed for a cent amount, written with all its digits."""
    x = float(value)
    return repr(math.nextafter(x, math.inf)) if x else value


def _money_noise(*columns: str) -> Edit:
    def edit(row: dict[str, str], rng: random.Random) -> bool:
        before = dict(row)
        for c in columns:
            if row.get(c):
                row[c] = _noise(row[c])
        return row != before

    return edit


def _set(column: str, *choices: str) -> Edit:
    def edit(row: dict[str, str], rng: random.Random) -> bool:
        row[column] = rng.choice(choices)
        return True

    return edit


def _if_empty(column: str, *markers: str) -> Edit:
    def edit(row: dict[str, str], rng: random.Random) -> bool:
        if row.get(column):
            return False
        row[column] = rng.choice(markers)
        return True

    return edit


def _iso(column: str) -> Edit:
    def edit(row: dict[str, str], rng: random.Random) -> bool:
        if not row.get(column) or " " not in row[column]:
            return False
        row[column] = row[column].replace(" ", "T") + "Z"
        return True

    return edit


def _pad(column: str) -> Edit:
    def edit(row: dict[str, str], rng: random.Random) -> bool:
        row[column] = f"  {row.get(column, '')} "
        return True

    return edit


def _future(column: str) -> Edit:
    def edit(row: dict[str, str], rng: random.Random) -> bool:
        row[column] = (dt.date.fromisoformat(row[column][:10]) + dt.timedelta(days=3650)).isoformat()
        return True

    return edit


QUIRKS: tuple[Quirk, ...] = (
    Quirk("float_noise", "order_items", "normalized to the cent", _money_noise("unit_price", "total_price")),
    Quirk("float_noise_orders", "orders", "normalized to the cent", _money_noise("subtotal", "tax_amount")),
    Quirk(
        "sentinel_date",
        "orders",
        "rejected: outside the accepted window (and its items)",
        _set("order_date", "1900-01-01", "1970-01-01"),
    ),  # fmt: skip
    Quirk("future_date", "orders", "rejected: outside the accepted window", _future("order_date")),
    Quirk(
        "null_marker", "clickstream", "read as empty", _if_empty("customer_id", "NULL", "None", "N/A", "\\N")
    ),
    Quirk(
        "null_marker_required", "order_items", "rejected: required value missing", _set("product_id", "NULL")
    ),
    Quirk("iso_timestamp", "clickstream", "read as UTC", _iso("timestamp")),
    Quirk("whitespace", "customers", "trimmed", _pad("email")),
    Quirk("stray_byte", "customers", "rejected: bytes that are not UTF-8"),
    Quirk("nul_byte", "products", "rejected: a NUL byte"),
    Quirk("unquoted_comma", "orders", "rejected: more fields than the header"),
    Quirk("repeated_header", "clickstream", "rejected: the header line repeated"),
    Quirk("cut_off_last_line", "order_items", "rejected: the last line cut off (and the import warns)"),
)


@dataclass
class MessyReport:
    rate: float
    applied: dict[str, int] = field(default_factory=dict)  # quirk -> lines changed

    def __str__(self) -> str:
        lines = [f"messy: quirks of real exports on {self.rate:.2%} of each table's lines (at least one)"]
        for q in QUIRKS:
            if q.name in self.applied:
                lines.append(f"  {q.table:<20} {q.name:<22} {self.applied[q.name]:>8,} line(s): {q.expect}")
        return "\n".join(lines)


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))


def _format(values: list[str]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(values)
    return buf.getvalue().encode("utf-8")


def _apply_to_line(line: bytes, header: list[str], quirk: Quirk, rng: random.Random) -> tuple[bytes, bool]:
    """The line with the quirk, and whether it changed (a null marker needs an empty value)."""
    if quirk.edit is not None:
        row = dict(zip(header, next(csv.reader([line.decode("utf-8").rstrip("\r\n")])), strict=False))
        if not quirk.edit(row, rng):
            return line, False
        return _format([row.get(c, "") for c in header]), True
    if quirk.name == "stray_byte":  # a Latin-1 letter in a UTF-8 file
        return line.replace(b",", b",\xe9", 1), True
    if quirk.name == "nul_byte":
        return line.replace(b",", b",\x00", 1), True
    if quirk.name == "unquoted_comma":
        return line.replace(b'"', b"").rstrip(b"\n") + b",Suite 5\n", True
    raise ValueError(quirk.name)


def _rewrite(path: Path, quirks: list[Quirk], rate: float, rng: random.Random, report: MessyReport) -> None:
    total = _count_lines(path) - 1
    if total < 1:
        return
    picks: dict[int, Quirk] = {}
    for q in quirks:
        if q.name in ("repeated_header", "cut_off_last_line"):
            continue
        n = max(1, round(rate * total))
        for i in rng.sample(range(1, total + 1), min(n, total)):
            picks.setdefault(i, q)
        report.applied[q.name] = 0
    repeat_at = total // 2 + 1 if any(q.name == "repeated_header" for q in quirks) else None
    cut = any(q.name == "cut_off_last_line" for q in quirks)
    fd, tmp = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    with path.open("rb") as src, os.fdopen(fd, "wb") as out:
        header_line = src.readline()
        header = next(csv.reader([header_line.decode("utf-8-sig").rstrip("\r\n")]))
        out.write(header_line)
        for i, line in enumerate(src, start=1):
            if i == repeat_at:
                out.write(header_line)
                report.applied["repeated_header"] = 1
            if i in picks:
                line, changed = _apply_to_line(line, header, picks[i], rng)
                report.applied[picks[i].name] += changed
            if cut and i == total:
                line = line.rstrip(b"\r\n")[: max(1, len(line) // 2)]
                report.applied["cut_off_last_line"] = 1
            out.write(line)
    os.replace(tmp, path)


def make_messy(export: Path, seed: int = 42, rate: float = DEFAULT_RATE) -> MessyReport:
    """Apply every quirk to the export in ``export`` (files of the DATA_CONTRACT layout)."""
    rng = random.Random(seed * 7919 + 17)
    report = MessyReport(rate)
    by_table: dict[str, list[Quirk]] = {}
    for q in QUIRKS:
        by_table.setdefault(q.table, []).append(q)
    for table, quirks in by_table.items():
        path = Path(export) / f"{table}.csv"
        if path.is_file():
            _rewrite(path, quirks, rate, rng, report)
    return report
