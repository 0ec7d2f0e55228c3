"""Converting the page's old form, an appended log, into result files (``python -m bench page
--import-log OLD_BENCHMARKS.md``): each section with a date line and a ``Command:`` line becomes
one record in bench/results/ (see bench/page.py for the format)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

from bench import report
from bench.page import load_results

_DATE_LINE = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC, (.*)$")
_LOADS = [
    re.compile(r"[Ll]oad average(?: \(1/5/15 min\))? before:? ([\d./ ]+\d),? after:? ([\d./ ]+\d)"),
    re.compile(r"[Ll]oad average (?:after|at the end):? ([\d./ ]+\d)"),
]


def _load_from(body: list[dict]) -> tuple[str | None, str | None]:
    for b in body:
        for pattern in _LOADS:
            m = pattern.search(b.get("text", ""))
            if m:
                return (m.group(1), m.group(2)) if m.lastindex == 2 else (None, m.group(1))
    for b in body:  # a table with a load column (backfill, new_day)
        cols = [i for i, h in enumerate(b.get("headers", [])) if "load avg" in h]
        if cols:
            values = sorted({row[cols[0]] for row in b["rows"] if cols[0] < len(row)})
            return None, ", ".join(values)
    return None, None


def parse_log(text: str) -> list[dict]:
    """The benchmark sections of an appended log (a date line and a ``Command:`` line under an
    ``## `` heading) as result records; other sections are skipped."""
    out = []
    for chunk in re.split(r"(?m)^## ", text)[1:]:
        lines = chunk.split("\n")
        title = lines[0].strip()
        rest = "\n".join(lines[1:]).strip("\n").split("\n")
        m = _DATE_LINE.match(rest[0]) if rest else None
        if not m or len(rest) < 3 or not rest[2].startswith("Command: `"):
            continue
        command = rest[2][len("Command: `") : -1]
        body = report.blocks("\n".join(rest[3:]))
        before, after = _load_from(body)
        stamp = dt.datetime.strptime(f"{m.group(1)} {m.group(2)}", "%Y-%m-%d %H:%M").strftime(report.STAMP)
        out.append({
            "format": report.FORMAT, "benchmark": report.benchmark_of(command), "title": title,
            "utc": stamp, "command": command, "commit": None, "machine": m.group(3),
            "load_before": before, "load_after": after, "body": body,
            "source": "docs/BENCHMARKS.md, appended log",
        })  # fmt: skip
    return out


def import_log(
    path: Path, folder: Path | None = None, annotate: Callable[[dict], None] | None = None
) -> list[Path]:
    """Write the log's sections that are not in ``folder`` yet (same benchmark, same minute and
    title); a raw-only file of the same run (same benchmark, same minute) gets the tables added.
    ``annotate`` may add to each record first (e.g. the commit it was logged in)."""
    folder = folder or report.RESULTS
    known = load_results(folder)
    written = []
    for rec in parse_log(path.read_text(encoding="utf-8")):
        if annotate:
            annotate(rec)
        minute = rec["utc"][:13]
        same = [r for r in known if r.benchmark == rec["benchmark"] and r.utc[:13] == minute]
        if any(r.has_body and r.data.get("title") == rec["title"] for r in same):
            continue
        raw = next((r for r in same if not r.has_body), None)
        if raw is not None:  # the benchmark's own file of that run: keep its figures, add the tables
            merged = {**raw.data, **{k: v for k, v in rec.items() if raw.data.get(k) is None}}
            merged.update(body=rec["body"], title=rec["title"], format=report.FORMAT)
            target, indent = raw.path, 2
        else:
            merged, target, indent = rec, folder / f"{rec['benchmark']}-{rec['utc']}.json", 1
            while target.exists():
                target = target.with_name(target.stem + "-2.json")
        target.write_text(json.dumps(merged, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
        known = load_results(folder)
    return written
