"""Run the whole benchmark set, one after the other, each recording its result in bench/results/.

    python -m bench all                 # scales 1 and 10 (about 30-40 min on 2 idle cores)
    python -m bench all --large         # adds scale 100 (generator, backfill, new day): about 1 h more
    python -m bench all --only demo,new_day --dry-run

Order: generator, staging, demo, warehouse, backfill, new_day, overhead, queries, instance,
partitions (single run against one run per month), and with
``--large`` bi_queries (dashboard and BI-tool queries at scale 100) (the analytics rebuild
benchmark needs a built database: ``python -m bench analytics --url ...``; the warehouse one
runs at scale 1). Waits up to ``--wait`` seconds for the 1-minute load average to fall below
``--max-load`` before each benchmark (timings on a busy 2-core machine are inflated), then runs
anyway and the load is recorded in every table.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time

from bench import common


def plan(large: bool) -> list[list[str]]:
    big = ",100" if large else ""
    return [
        ["generator", "--scales", "1" + big, "--runs", "3"],
        ["staging", "--rows", "1000000", "--runs", "3"],
        ["demo", "--scale", "1", "--runs", "3"],
        ["warehouse", "--scale", "1", "--runs", "3"],
        ["backfill", "--scales", "1,10" + big, "--runs", "3", "--runs-large", "1"],
        ["new_day", "--scales", "1,10" + big, "--days", "3"],
        ["overhead", "--scale", "10", "--runs", "3"],
        ["queries", "--scale", "10", "--runs", "3"],
        ["instance", "--scale", "1", "--runs", "3"],
        ["partitions", "--scales", "1", "--concurrency", "3"],
        # builds its own scale-100 warehouse (~15 min), so only with --large
        *([["bi_queries", "--scale", "100", "--runs", "5"]] if large else []),
    ]


def wait_for_quiet(max_load: float, wait: float) -> None:
    deadline = time.monotonic() + wait
    while os.getloadavg()[0] > max_load and time.monotonic() < deadline:
        print(f"load {common.load()} > {max_load}: waiting", flush=True)
        time.sleep(30)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench all", description=__doc__.split("\n")[0])
    p.add_argument("--large", action="store_true", help="add scale 100 where it applies")
    p.add_argument("--only", default=None, help="comma-separated benchmark names to keep")
    p.add_argument("--max-load", type=float, default=2.5)
    p.add_argument(
        "--wait", type=float, default=600, help="seconds to wait for the load to drop (per benchmark)"
    )
    p.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = p.parse_args(argv)
    steps = plan(args.large)
    if args.only:
        keep = set(args.only.split(","))
        steps = [s for s in steps if s[0] in keep]
    failed = []
    for step in steps:
        cmd = [sys.executable, "-m", "bench", *step]
        print("$ python -m bench " + shlex.join(step), flush=True)
        if args.dry_run:
            continue
        wait_for_quiet(args.max_load, args.wait)
        if subprocess.run(cmd, cwd=common.ROOT).returncode != 0:
            failed.append(step[0])
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0
