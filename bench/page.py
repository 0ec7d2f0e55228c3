"""Render docs/BENCHMARKS.md from the results in bench/results/*.json.

    python -m bench page             # re-render docs/BENCHMARKS.md (every benchmark does it too)
    python -m bench page --check     # exit 1 if the page is not what the results render
    python -m bench page --import-log OLD_BENCHMARKS.md
                                     # turn sections of an appended log (the page's old form,
                                     # e.g. a branch that still appends) into result files

A result file is one run of one benchmark (bench/report.py writes it), a JSON object with:
``benchmark`` (the ``bench/NAME.py``), ``title``, ``utc`` (``YYYYMMDDTHHMMSSZ``), ``command``
(exact), ``commit`` (short SHA, or null when the run did not record one) and ``dirty``, or for
runs converted from the old log ``logged_in`` (the commit that added the section), ``machine``,
``load_before``/``load_after`` (1/5/15-minute load averages; null when not recorded), ``body``
(the printed tables as ``{"headers", "rows"}`` and notes as ``{"text"}``, in order), and whatever
raw figures the benchmark keeps besides (``results``, ``tables``...).

The page shows, for each benchmark, the newest result of each configuration: the command's
options other than how many runs and which database (``--runs``, ``--runs-large``, ``--days``,
``--db``, ``--url``, ``--publish``) are its configuration, and a result of ``--scales 1,10``
stays current for scale 10 until a newer result covers scale 10. Then a targets table taken from
those current results, what was fixed (bench/fixes.md, written by hand), and the history: every
result file, newest first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from bench import report
from bench.targets import TARGETS

ROOT = report.ROOT
DOC = ROOT / "docs" / "BENCHMARKS.md"
FIXES = ROOT / "bench" / "fixes.md"
DATA_LINK = "../bench/results/"  # from docs/

# Options that say how often or where, not what: results differing only in them are one configuration.
NOT_CONFIG = {
    "--runs": 1,
    "--runs-large": 1,
    "--days": 1,
    "--db": 1,
    "--url": 1,
    "--publish": 0,
    "--no-append": 0,
}
SCALE_OPTIONS = ("--scale", "--scales")

# The page's sections, in order: (benchmark, heading, what it measures). Headings are the anchors
# other docs link to (docs/SCALING.md, docs/BI.md...): keep them (and no underscores: GitHub and
# the link test slug them differently).
BENCHMARKS = [
    (
        "generator",
        "Synthetic generator",
        "`ecom generate` at each scale, each run a fresh process: rows, bytes, time, peak memory.",
    ),
    (
        "ingest",
        "Ingestion against psql copy",
        "`ecom import` and the staging load of every table of an export (clean and messy) against "
        "`psql \\copy` of the same files into tables with the same columns and indexes.",
    ),
    (
        "staging",
        "Staging load and import",
        "The staging load of one orders day (as `ecom import` lands it) against `psql \\copy` of its CSV, and the import "
        "of one flat clickstream export.",
    ),
    (
        "fact_load",
        "Full-history fact load",
        "A fact's full-history load into the indexed partitions against a bare table indexed after "
        "(needs a built warehouse: `--db`).",
    ),
    (
        "warehouse",
        "Warehouse build",
        "The warehouse layer alone (dimensions and facts) in process: a full build, a new day, a re-run.",
    ),
    (
        "backfill",
        "Full-history backfill",
        "`ecom import` + one `run_graph()` of every asset over the whole history, a fresh database "
        "and child process per run: time, peak memory, database size.",
    ),
    (
        "new_day",
        "One new day",
        "After a full-history backfill (untimed), the next calendar day generated, imported and run, "
        "at each scale; the ratio of the largest scale to the smallest is the scaling target.",
    ),
    (
        "demo",
        "ecom demo end to end",
        "`ecom demo` from a warm install against a running server, phase by phase.",
    ),
    (
        "analytics",
        "Analytics build per table",
        "Each analytics table built alone: SQL and checks.",
    ),
    (
        "overhead",
        "Orchestration overhead",
        "The pipeline (`run_graph`) against `psql -f` of the same SQL and COPYs it ran, captured "
        "from it: what Dagster, the contracts and the checks cost.",
    ),
    (
        "instance",
        "Dagster instance storage",
        "The same `run_graph` with each kind of Dagster instance storage.",
    ),
    (
        "partitions",
        "Partitions side by side",
        "One single run against one run per month through the run queue (`ecom run --per-month`), "
        "a fresh database and child process each; per-run walls, and the estimate for a bigger host.",
    ),
    (
        "queries",
        "Analytics queries",
        "`EXPLAIN (ANALYZE, BUFFERS)` of every analytics SQL file, full build and new day.",
    ),
    (
        "bi_queries",
        "Dashboard and BI-tool queries",
        "`EXPLAIN ANALYZE` of every dashboard query and the BI tools' questions at scale 100 "
        "(target: each under 100 ms).",
    ),
    (
        "sql_versions",
        "Analytics SQL against an older commit",
        "The analytics SQL of an older commit against this checkout's, alternating, rolled back.",
    ),
]


@dataclass
class Result:
    path: Path
    data: dict
    variant: str = ""
    scales: frozenset[str] = field(default_factory=frozenset)

    @property
    def benchmark(self) -> str:
        return self.data["benchmark"]

    @property
    def utc(self) -> str:
        return self.data.get("utc") or ""

    @property
    def has_body(self) -> bool:
        return bool(self.data.get("body"))


def configuration(command: str) -> tuple[str, frozenset[str]]:
    """(the options that make a configuration, the scales it covers) of a bench command."""
    words = shlex.split(command)
    words = words[words.index("bench") + 2 :] if "bench" in words else words[1:]
    keep, scales, i = [], set(), 0
    while i < len(words):
        word, value = words[i], None
        if "=" in word and word.startswith("--"):
            word, value = word.split("=", 1)
        if word in SCALE_OPTIONS:
            if value is None:
                i += 1
                value = words[i]
            scales |= {f"{float(s):g}" for s in value.split(",") if s}
        elif word in NOT_CONFIG:
            i += NOT_CONFIG[word] if value is None else 0
        else:
            keep.append(words[i])
        i += 1
    return " ".join(keep), frozenset(scales or {"default"})


def load_results(folder: Path | None = None) -> list[Result]:
    out = []
    for path in sorted((folder or report.RESULTS).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "benchmark" not in data:
            continue
        variant, scales = configuration(data.get("command") or f"python -m bench {data['benchmark']}")
        if not data.get("utc"):  # a benchmark's own file without the record fields: its name's stamp
            stamp = re.search(r"\d{8}T\d{6}Z", path.name)
            data["utc"] = stamp.group(0) if stamp else ""
        out.append(Result(path, data, variant, scales))
    return sorted(out, key=lambda r: (r.utc, r.path.name), reverse=True)


def current(results: list[Result]) -> list[Result]:
    """The newest result of each benchmark and configuration, newest first; an older result stays
    while it covers a scale no newer one of its configuration covers."""
    covered: dict[tuple[str, str], set[str]] = {}
    keep = []
    for r in results:  # newest first
        if not r.has_body:
            continue
        seen = covered.setdefault((r.benchmark, r.variant), set())
        if r.scales - seen:
            keep.append(r)
        seen |= r.scales
    return keep


# ---- formatting --------------------------------------------------------------------------------


def when(r: Result) -> str:
    try:
        return dt.datetime.strptime(r.utc, report.STAMP).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return r.utc or "not recorded"


def commit_of(r: Result) -> str:
    sha = r.data.get("commit")
    if sha:
        return f"{sha} (with uncommitted changes)" if r.data.get("dirty") else sha
    logged = r.data.get("logged_in")
    return f"not recorded (logged in {logged})" if logged else "not recorded"


def load_of(r: Result) -> str:
    before, after = r.data.get("load_before"), r.data.get("load_after")
    if isinstance(before, list | tuple):
        before = "/".join(f"{x:.1f}" for x in before)
    if isinstance(after, list | tuple):
        after = "/".join(f"{x:.1f}" for x in after)
    if before is None and after is None and isinstance(r.data.get("load"), list):
        after = "/".join(f"{x:.1f}" for x in r.data["load"])  # bench ingest's own files
    parts = [f"{k} {v}" for k, v in (("before", before), ("after", after)) if v]
    return ", ".join(parts) or "not recorded"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def data_link(r: Result) -> str:
    return f"[{r.path.name}]({DATA_LINK}{r.path.name})"


def targets_table(now: list[Result]) -> str:
    rows = []
    for t in TARGETS:
        for r in now:
            if r.benchmark == t.benchmark and (t.variant is None or r.variant == t.variant):
                value = t.find(r)
                if value is not None:
                    rows.append([t.figure, t.target, f"**{value}**", f"`{r.data.get('command')}`",
                                 when(r), commit_of(r), load_of(r), f"[{r.data.get('title')}](#{anchor_of(r)})"])  # fmt: skip
                    break
        else:
            rows.append(
                [t.figure, t.target, "no result yet", f"`python -m bench {t.benchmark}`", "", "", "", ""]
            )
    return report.table(
        ["figure", "target", "result", "command", "date (UTC)", "commit", "load average 1/5/15 min", "table"],
        [[_cell(c) for c in row] for row in rows],
    )


# ---- the page ----------------------------------------------------------------------------------

INTRO = """\
# Benchmarks

The current figure of every benchmark in `bench/`, each with the exact command that printed it,
when, at which commit, on which machine and under which load. This page is generated: every
`python -m bench NAME` run records its result in `bench/results/` (one JSON file a run) and
re-renders this page; `python -m bench page` re-renders it from the files alone (a test checks
that the page is what they render). Do not edit it by hand: edit `bench/page.py` (the layout),
`bench/fixes.md` (what was fixed), or add results.

Times are medians of the runs the command asks for (`--runs`). The machine is a 2-core VM
shared with other sessions: the load average (1/5/15 minutes, when the benchmark started and
when it ended) says how busy it was, and a load above 2 inflates every time. Each benchmark's
section shows its newest result of each configuration (options other than the number of runs
and the database; a run of `--scales 1,10` stays current for scale 10 until a newer run covers
scale 10); older results are in [the history](#history) and their files.
"""


def slug(heading: str) -> str:
    """GitHub's anchor for a heading (as ecom_assets_tests/links.py computes it)."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchor_of(r: Result) -> str:
    return slug(_heading(r))


def _heading(r: Result) -> str:
    return f"{r.data.get('title') or r.benchmark}, {when(r)} UTC"


def _result_section(r: Result) -> str:
    head = [
        f"### {_heading(r)}",
        "",
        f"Command: `{r.data.get('command')}`",
        "",
        f"Date: {when(r)} UTC; commit: {commit_of(r)}; load average: {load_of(r)}; "
        f"machine: {r.data.get('machine') or 'not recorded'}; data: {data_link(r)}.",
    ]
    return "\n".join(head) + "\n\n" + report.render_blocks(r.data["body"])


def render(results: list[Result] | None = None) -> str:
    results = load_results() if results is None else results
    now = current(results)
    parts = [INTRO, "## Targets\n\nFrom the current results below (the newest that prints the figure).\n\n"
             + targets_table(now)]  # fmt: skip
    names = [name for name, _, _ in BENCHMARKS]
    extra = sorted({r.benchmark for r in results} - set(names))
    for name, heading, about in [*BENCHMARKS, *((n, f"bench {n}", "") for n in extra)]:
        mine = [r for r in now if r.benchmark == name]
        section = [f"## {heading}", "", f"{about} Run: `python -m bench {name}`." if about else ""]
        if not mine:
            section.append(f"\nNo result recorded yet: `python -m bench {name} --help`.")
        section += ["\n" + _result_section(r) for r in mine]
        parts.append("\n".join(section))
    if FIXES.exists():
        parts.append(FIXES.read_text(encoding="utf-8").strip())
    parts.append(history(results, now))
    return "\n\n".join(p.strip("\n") for p in parts) + "\n"


def history(results: list[Result], now: list[Result]) -> str:
    current_paths = {r.path for r in now}
    rows = [
        [when(r), r.benchmark, r.data.get("title") or "(raw figures only)", f"`{r.data.get('command')}`",
         commit_of(r), load_of(r), data_link(r) + (" (current)" if r.path in current_paths else "")]
        for r in results
    ]  # fmt: skip
    return (
        "## History\n\n"
        f"Every result in `bench/results/`, newest first ({len(results)} files). Those up to "
        "2026-12-03 were converted from this page's earlier form, an appended log; the summary "
        "written by hand at its top (figures compared across VMs and commits) is kept in "
        f"[bench/results/summary-2026-12-03.md]({DATA_LINK}summary-2026-12-03.md).\n\n"
        + report.table(
            ["date (UTC)", "benchmark", "title", "command", "commit", "load average", "data"],
            [[_cell(c) for c in row] for row in rows],
        )
    )


def write() -> bool:
    """Re-render the page; True if it changed."""
    text = render()
    old = DOC.read_text(encoding="utf-8") if DOC.exists() else None
    if text != old:
        DOC.write_text(text, encoding="utf-8")
    return text != old


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench page", description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true", help="exit 1 if docs/BENCHMARKS.md is not up to date")
    p.add_argument("--import-log", type=Path, default=None, help="an appended log to convert first")
    args = p.parse_args(argv)
    if args.import_log:
        from bench.page_log import import_log  # it reads the results through this module

        for path in import_log(args.import_log):
            print(f"wrote {path.relative_to(ROOT)}")
    if args.check:
        ok = DOC.exists() and DOC.read_text(encoding="utf-8") == render()
        print(
            "docs/BENCHMARKS.md is up to date"
            if ok
            else "docs/BENCHMARKS.md differs: run python -m bench page"
        )
        return 0 if ok else 1
    print(f"{DOC.relative_to(ROOT)} {'re-rendered' if write() else 'unchanged'}")
    return 0
