"""Append a benchmark's table to docs/BENCHMARKS.md with the machine, date and command."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


def machine() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        pg = "psql not found"
    return (
        f"{platform.node()}: {os.cpu_count()} cores, {mem_gb:.0f} GiB, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; {pg}"
    )


def median_of(fn: Callable[[], object], runs: int = 3) -> tuple[float, list[float]]:
    """Median wall time of ``runs`` calls (seconds), and all the times."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in r] for r in rows]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in cells]
    return "\n".join(out)


def append(title: str, body: str, command: str | None = None) -> None:
    """Print and append one section to docs/BENCHMARKS.md."""
    command = command or "python -m bench " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    section = (
        f"\n## {title}\n\n{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}\n\n"
        f"Command: `{command}`\n\n{body}\n"
    )
    print(section)
    DOC.parent.mkdir(exist_ok=True)
    if not DOC.exists():
        DOC.write_text(
            "# Benchmarks\n\nEvery figure here was printed by the command above it "
            "(`bench/`); times are medians of at least 3 runs.\n"
        )
    with DOC.open("a") as f:
        f.write(section)
