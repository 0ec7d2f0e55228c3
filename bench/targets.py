"""The targets table of docs/BENCHMARKS.md: each target, the benchmark that measures it, and where
its figure is in that benchmark's result (a table cell, or a pattern in a note)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.page import Result


def _strip(value: str) -> str:
    """A cell's figure: no bold, no remark in parentheses after it."""
    return value.replace("**", "").split(" (")[0].strip()


def unit(find: Callable[[Result], str | None], fmt: str) -> Callable[[Result], str | None]:
    def found(r: Result) -> str | None:
        value = find(r)
        return None if value is None else fmt.format(value)

    return found


def cell(
    row: Callable[[str], bool], column: Callable[[str], bool], whole: bool = False
) -> Callable[[Result], str | None]:
    """The first table cell whose row's first cell and whose column header match (its figure, or
    with ``whole`` the cell as printed, remark included)."""

    def find(r: Result) -> str | None:
        for b in r.data.get("body", []):
            cols = [i for i, h in enumerate(b.get("headers", [])) if column(h)]
            for line in b.get("rows", []):
                if cols and line and row(_strip(line[0])) and cols[0] < len(line):
                    value = line[cols[0]]
                    return value.replace("**", "").strip() if whole else _strip(value)
        return None

    return find


def text(pattern: str) -> Callable[[Result], str | None]:
    def find(r: Result) -> str | None:
        for b in r.data.get("body", []):
            m = re.search(pattern, b.get("text", ""))
            if m:
                return m.group(1)
        return None

    return find


def both(a: Callable[[Result], str | None], b: Callable[[Result], str | None], fmt: str):
    def find(r: Result) -> str | None:
        x, y = a(r), b(r)
        return fmt.format(x, y) if x is not None and y is not None else None

    return find


@dataclass
class Target:
    figure: str
    target: str
    benchmark: str
    find: Callable[[Result], str | None]
    variant: str | None = None  # a configuration's options, exactly; None: any


TARGETS = [
    Target("generator, scale 1", "<= 10 s", "generator",
           both(cell("1".__eq__, "generator s (median)".__eq__), cell("1".__eq__, "peak RSS MiB (max)".__eq__),
                "{} s, {} MiB")),
    Target("generator, scale 100", "<= 5 min, <= 2 GB", "generator",
           both(cell("100".__eq__, "generator s (median)".__eq__), cell("100".__eq__, "peak RSS MiB (max)".__eq__),
                "{} s, {} MiB")),
    # every table: a run of some tables only (--tables) has an "all" row of those tables alone
    Target("staging load / `psql \\copy` (clean files, all tables)", ">= 0.9 (issue 18; 0.8 issue 14)", "ingest",
           cell("all".__eq__, "load ratio".__eq__), ""),
    Target("import + load of a messy export / `psql \\copy` of the clean one", ">= 0.7", "ingest",
           cell("all".__eq__, "messy ratio".__eq__), ""),
    Target("staging load / `psql \\copy` (1M orders rows)", ">= 0.7", "staging",
           cell(lambda s: s.startswith("staging.load_days"), "ratio".__eq__), "--rows 1000000"),
    Target("`ecom demo`, scale 1, warm install", "<= 45 s", "demo",
           unit(cell(lambda s: s.startswith("ecom demo, total"), "median s".__eq__), "{} s"), ""),
    Target("full-history backfill (import + run), scale 100", "<= 300 s, <= 1 GB", "backfill",
           both(cell("100".__eq__, lambda h: h.startswith("import + run s")),
                cell("100".__eq__, lambda h: h.startswith("peak RSS MiB")), "{} s, {} MiB")),
    Target("landing zone MiB (x export bytes), scale 100", "<= 0.33x", "backfill",
           unit(cell("100".__eq__, lambda h: h.startswith("landing MiB"), whole=True), "{}")),
    Target("full-history backfill (import + run), scale 300", "<= 15 min", "backfill",
           both(cell("300".__eq__, lambda h: h.startswith("import + run s")),
                cell("300".__eq__, lambda h: h.startswith("peak RSS MiB")), "{} s, {} MiB")),
    Target("one new day, scale 100 / scale 1", "<= 2x", "new_day",
           text(r"Ratio scale 100 / scale 1 \(same invocation\): \*\*([\d.]+x)\*\*")),
    Target("orchestration overhead (pipeline / direct SQL), scale 10", "<= 1.5", "overhead",
           cell(lambda s: s.startswith("ratio pipeline / direct"), "median s".__eq__)),
    Target("dashboard and BI-tool queries, scale 100", "each < 100 ms", "bi_queries",
           text(r"(\d+ of \d+) under 100 ms")),
]  # fmt: skip
