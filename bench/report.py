"""Record a benchmark's result as JSON in bench/results/ and re-render docs/BENCHMARKS.md from it.

Every result is one file ``bench/results/<benchmark>-<UTC stamp>.json`` (see bench/page.py for
the fields): the exact command, the date, the commit, the machine, the load average when the
benchmark started and when it ended, and the printed tables and notes as data. docs/BENCHMARKS.md
is generated from those files (``python -m bench page``), so it always shows the newest result
of each benchmark and configuration, and the files keep the history.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
FORMAT = 1
STAMP = "%Y%m%dT%H%M%SZ"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# The load when the benchmark process started (every benchmark imports this module first thing).
LOAD_AT_START = _load()


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


def commit() -> tuple[str, bool]:
    """The checkout's short commit, and whether its tracked files differ from it (the results and
    the page they render excepted)."""

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT)
        return out.stdout.strip()

    sha = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                ":!bench/results", ":!docs/BENCHMARKS.md")  # fmt: skip
    return sha, bool(dirty)


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


def _cells(line: str) -> list[str]:
    """A table row's cells as ``table`` wrote them (leading spaces inside a cell kept: indents)."""
    cells = line.strip()[1:-1].split(" | ")
    cells[0], cells[-1] = cells[0].removeprefix(" "), cells[-1].removesuffix(" ")
    return cells


def blocks(body: str) -> list[dict]:
    """A printed body as data: ``{"headers": [...], "rows": [[...]]}`` for each Markdown table,
    ``{"text": "..."}`` for each run of other lines (``render_blocks`` gives the body back)."""
    out: list[dict] = []
    lines = body.strip("\n").split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            headers = _cells(lines[i])
            i += 2
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            out.append({"headers": headers, "rows": rows})
            continue
        start = i
        while i < len(lines) and not (
            lines[i].startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|---")
        ):
            i += 1
        text = "\n".join(lines[start:i]).strip("\n")
        if text:
            out.append({"text": text})
    return out


def render_blocks(body: list[dict]) -> str:
    return "\n\n".join(b["text"] if "text" in b else table(b["headers"], b["rows"]) for b in body)


def benchmark_of(command: str) -> str:
    """``python -m bench NAME ...`` -> NAME."""
    words = shlex.split(command)
    return words[words.index("bench") + 1] if "bench" in words else words[0]


def append(title: str, body: str, command: str | None = None, data: dict | None = None) -> Path:
    """Print a benchmark's result, record it in bench/results/ and re-render docs/BENCHMARKS.md.

    ``data``: the benchmark's raw figures, kept in the record beside the printed tables (its
    ``load_before``/``load_after``, if given, replace the ones taken at process start and now).
    """
    command = command or "python -m bench " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    now = dt.datetime.now(dt.UTC)
    sha, dirty = commit()
    data = dict(data or {})
    record = {
        **data,
        "format": FORMAT,
        "benchmark": benchmark_of(command),
        "title": title,
        "utc": now.strftime(STAMP),
        "command": command,
        "commit": sha,
        "dirty": dirty,
        "machine": machine(),
        "load_before": data.get("load_before", LOAD_AT_START),
        "load_after": data.get("load_after", _load()),
        "body": blocks(body),
    }
    print(
        f"\n## {title}\n\n{now:%Y-%m-%d %H:%M} UTC, {record['machine']}\n\nCommand: `{command}`\n\n{body}\n"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{record['benchmark']}-{record['utc']}.json"
    n = 1
    while path.exists():
        n += 1
        path = RESULTS / f"{record['benchmark']}-{record['utc']}-{n}.json"
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    from bench import page

    page.write()
    print(f"recorded in {path}; {page.DOC} re-rendered")
    return path
