"""Generator throughput and memory: `python -m bench generator [--scales 1,100] [--runs 3]`.

Each run is a fresh subprocess (so peak RSS is that run's own, read with ``os.wait4``), writing
under /tmp and deleting the output afterwards. Reports wall time of the process (including the
Python and library imports), the generator's own time, rows/s and MB/s of CSV written.

The window is fixed (``--start/--end``, default the reference period 2025-10-01 .. 2026-10-31,
where scale 1 is exactly 12,000 orders): ``ecom generate``'s own default ends at last month,
so it grows a month a month and would make figures of different months incomparable.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import report

CHILD = """
import datetime as dt, json, sys
from pathlib import Path
from ecom_assets.lib import generator
start, end = (dt.date.fromisoformat(d) for d in sys.argv[3:5])
r = generator.generate(Path(sys.argv[1]), scale=float(sys.argv[2]), seed=42, start=start, end=end, progress=False)
print(json.dumps({"rows": r.total_rows, "bytes": sum(r.bytes.values()), "seconds": r.seconds,
                  "orders": r.rows["orders"], "clickstream": r.rows["clickstream"]}))
"""


def run_once(scale: float, out: Path, start: str = "2025-10-01", end: str = "2026-10-31") -> dict[str, float]:
    """One generator run in a child process: its wall time, peak RSS (MiB) and its report."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(out), str(scale), start, end], stdout=subprocess.PIPE, text=True
    )
    stdout = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"generator at scale {scale} failed with exit code {proc.returncode}")
    result = json.loads(stdout.strip().splitlines()[-1])
    shutil.rmtree(out, ignore_errors=True)
    return {**result, "wall": wall, "rss_mib": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench generator")
    p.add_argument("--scales", default="1,100", help="comma-separated scales (default 1,100)")
    p.add_argument("--runs", type=int, default=3, help="runs per scale (median reported)")
    p.add_argument("--runs-large", type=int, default=None, help="runs for scales >= 10 (default --runs)")
    p.add_argument(
        "--out", default="/tmp/ecom-bench-generator", help="scratch folder (deleted after each run)"
    )
    p.add_argument("--start", default="2025-10-01", help="first day (default: the reference period's)")
    p.add_argument("--end", default="2026-10-31", help="last day (default: the reference period's)")
    p.add_argument("--no-append", action="store_true", help="print only: no result file, no page")
    args = p.parse_args(argv)

    rows = []
    for scale in (float(s) for s in args.scales.split(",")):
        n = args.runs if scale < 10 or args.runs_large is None else args.runs_large
        results = []
        for i in range(n):
            r = run_once(scale, Path(args.out), args.start, args.end)
            print(
                f"scale {scale:g} run {i + 1}/{n}: {r['wall']:.1f} s wall, {r['rss_mib']:.0f} MiB",
                file=sys.stderr,
            )
            results.append(r)
        wall = statistics.median(r["wall"] for r in results)
        gen = statistics.median(r["seconds"] for r in results)
        cpu = statistics.median(r["cpu"] for r in results)
        first = results[0]
        rows.append(
            [
                f"{scale:g}",
                n,
                f"{first['orders']:,}",
                f"{first['clickstream']:,}",
                f"{first['rows']:,}",
                f"{first['bytes'] / 2**20:,.0f}",
                f"{wall:.1f}",
                f"{gen:.1f}",
                f"{cpu:.1f}",
                f"{first['rows'] / gen:,.0f}",
                f"{first['bytes'] / 2**20 / gen:,.0f}",
                f"{max(r['rss_mib'] for r in results):,.0f}",
            ]
        )
    body = report.table(
        [
            "scale",
            "runs",
            "orders",
            "clickstream",
            "rows (all files)",
            "MiB written",
            "process wall s (median)",
            "generator s (median)",
            "CPU s (median)",
            "rows/s",
            "MiB/s",
            "peak RSS MiB (max)",
        ],
        rows,
    )
    load = os.getloadavg()
    body += (
        "\n\nEach run is a fresh process (process wall includes interpreter start and the "
        "pandas/pandera/pyarrow/Faker imports: the difference to the generator's own time); "
        f"rows/s and MiB/s use the generator's own time. Window {args.start} .. {args.end}. "
        "Peak RSS per run via os.wait4. "
        f"Load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        "(other sessions share this machine; CPU s is the less noisy figure)."
    )
    if args.no_append:
        print(body)
    else:
        report.append("Synthetic generator (ecom generate)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
