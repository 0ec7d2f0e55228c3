"""Partitions side by side: one single run against one run per month through the run queue.

    python -m bench partitions [--scales 1,10] [--concurrency 3] [--url postgresql://...admin]

For each scale the export is generated once (untimed). Then, each in a fresh database and data
dir, in a child process that imports the export and builds everything (``import`` untimed in the
figure, reported apart):

- ``single``: ``runner.run_graph()``, what ``ecom run`` does (one run, the months as one range);
- ``per-month xN``: ``backfill.run_per_month(concurrency=N)``, what ``ecom run --per-month
  --concurrency N`` does (a run before, one run per month, N at once, a run after), for N = 1
  (the months one after the other: each run's own time, without contention) and each ``--concurrency``.

Reported per variant: the wall time of the build, the summed step time (the work, by layer), and
for the per-month variants each run's wall (start to end in the instance), so the wall time on a
host with more cores can be estimated: the before and after runs as measured, the month-runs of
the N = 1 variant (uncontended) laid out on ``cores / 2`` slots (a run keeps one Python process
and about one PostgreSQL backend busy), longest first. The raw figures go to ``bench/results/``
as JSON (``report.append``, which re-renders BENCHMARKS.md) unless ``--no-append``.
"""

from __future__ import annotations

import argparse
import heapq
import json
from collections import defaultdict
from pathlib import Path

from bench import common, report
from bench.backfill import CHILD as SINGLE_CHILD
from bench.backfill import generate
from bench.demo import step_times

PER_MONTH_CHILD = """
import json, sys, time
from pathlib import Path
from ecom_assets import backfill
from ecom_assets.defs.raw import importer
from ecom_assets.instance import local
import dagster as dg
t1 = time.perf_counter()
importer.import_export(Path(sys.argv[1]))
t2 = time.perf_counter()
result = backfill.run_per_month(concurrency=int(sys.argv[2]))
t3 = time.perf_counter()
if not result.ok:
    backfill.print_summary(result)
    sys.exit(1)
instance = dg.DagsterInstance.from_config(str(local.dagster_home()))
runs = []
for r in result.runs:
    steps = {s.step_key: s.end_time - s.start_time for s in instance.get_run_step_stats(r.run_id)
             if s.start_time and s.end_time}
    runs.append({"label": r.label, "start": r.start, "end": r.end, "steps": steps})
print(json.dumps({"import": t2 - t1, "run": t3 - t2, "overlap": result.overlapping_months(), "runs": runs}))
"""


def _layer(step_key: str) -> str:
    from bench.demo import layer_of

    return layer_of(step_key)


def single(admin: str, export: Path) -> dict[str, object]:
    url = common.create_db(admin, "ecom_bench_part1")
    data = common.scratch("partitions")
    try:
        env = common.env_for(data, url)
        wall, rss, lines = common.run_child([common.python(), "-c", SINGLE_CHILD, str(export)], env)
        out = json.loads(lines[-1][1])
        _, run_wall, per_layer, per_step = step_times(data / "dagster_home")
        return {"run": out["run"], "import": out["import"], "run_wall": run_wall, "layers": per_layer,
                "steps": per_step, "rss": rss}  # fmt: skip
    finally:
        common.drop_db(admin, url)
        common.rmtree(data)


def per_month(admin: str, export: Path, concurrency: int) -> dict[str, object]:
    url = common.create_db(admin, "ecom_bench_partn")
    data = common.scratch("partitions")
    try:
        env = common.env_for(data, url)
        wall, rss, lines = common.run_child(
            [common.python(), "-c", PER_MONTH_CHILD, str(export), str(concurrency)], env
        )
        out = json.loads(lines[-1][1])
        layers: dict[str, float] = defaultdict(float)
        for r in out["runs"]:
            r["wall"] = r["end"] - r["start"]
            r["step_sum"] = sum(r["steps"].values())
            for key, seconds in r["steps"].items():
                layers[_layer(key)] += seconds
        out["layers"] = dict(layers)
        out["rss"] = rss
        return out
    finally:
        common.drop_db(admin, url)
        common.rmtree(data)


def estimate(sequential: dict[str, object], cores: int) -> dict[str, float]:
    """Wall time on ``cores``, from the uncontended (concurrency 1) variant: the before and after
    runs as measured; the month-runs laid out longest first on cores/2 slots; one launch (a run
    process starting: the median gap between two consecutive runs here) per wave of runs in
    sequence (before, each wave of months, after); and the rest spent outside the runs once (the
    code server's start, submitting the runs, the summary)."""
    runs = sequential["runs"]  # type: ignore[index]
    months = sorted((r["wall"] for r in runs if r["label"] not in ("before", "after")), reverse=True)
    fixed = sum(r["wall"] for r in runs if r["label"] in ("before", "after"))
    slots = [0.0] * max(1, cores // 2)
    for seconds in months:
        heapq.heapreplace(slots, slots[0] + seconds)
    gaps = [b["start"] - a["end"] for a, b in zip(runs, runs[1:], strict=False)]
    launch = common.median(gaps) if gaps else 0.0
    once = sequential["run"] - sum(r["wall"] for r in runs) - sum(gaps)  # type: ignore[operator]
    waves = 2 + -(-len(months) // len(slots))
    return {"cores": cores, "slots": len(slots), "before_after": fixed, "months": max(slots),
            "launch": launch, "waves": waves, "outside_runs": once + waves * launch,
            "wall": fixed + max(slots) + once + waves * launch}  # fmt: skip


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench partitions", description=__doc__.split("\n")[0])
    p.add_argument("--scales", default="1", help="comma-separated scales (default 1)")
    p.add_argument(
        "--concurrency", default="3", help="comma-separated months at once (default 3); 1 always runs"
    )
    p.add_argument("--cores", type=int, default=16, help="the host to estimate for (default 16 cores)")
    p.add_argument(
        "--url", default=None, help="admin URL (default $ECOM_TEST_DATABASE_URL or local postgres)"
    )
    p.add_argument("--no-append", action="store_true", help="print only")
    args = p.parse_args(argv)
    admin = common.admin_url(args.url)
    load_before = common.load()
    levels = sorted({1, *(int(c) for c in args.concurrency.split(","))})
    results, rows, estimates = [], [], []
    for scale in [float(s) for s in args.scales.split(",")]:
        export = common.scratch(f"partitions-export-{scale:g}")
        try:
            counts = generate(scale, export)
            one = single(admin, export)
            print(f"scale {scale:g} single: {one['run']:.1f} s (load {common.load()})")
            variants = {"single": one}
            for n in levels:
                variants[f"per-month x{n}"] = r = per_month(admin, export, n)
                print(
                    f"scale {scale:g} per-month x{n}: {r['run']:.1f} s, overlap {r['overlap']} (load {common.load()})"
                )
        finally:
            common.rmtree(export)
        est = estimate(variants["per-month x1"], args.cores)
        results.append({"scale": scale, "rows": counts, "variants": variants, "estimate": est})
        for name, v in variants.items():
            layers = v["layers"]
            months = [r for r in v.get("runs", []) if r["label"] not in ("before", "after")]
            rows.append([
                f"{scale:g}", name, f"**{v['run']:.1f}**", f"{sum(layers.values()):.1f}",
                " / ".join(f"{layers.get(k, 0.0):.1f}" for k in ("raw", "staging", "warehouse", "analytics")),
                len(months) or "-", f"{sum(r['wall'] for r in months):.1f}" if months else "-",
                v.get("overlap", "-"), f"{v['rss']:.0f}",
            ])  # fmt: skip
        estimates.append([f"{scale:g}", f"{one['run']:.1f}", f"{est['before_after']:.1f}",
                          f"{est['months']:.1f} ({est['slots']} slots)", f"{est['outside_runs']:.1f} ({est['waves']} x {est['launch']:.1f})",
                          f"**{est['wall']:.1f}**"])  # fmt: skip
    load_after = common.load()
    body = report.table(
        ["scale", "variant", "build s (wall)", "step time s", "raw / staging / warehouse / analytics s",
         "month runs", "their walls s (sum)", "most months at once", "child peak RSS MiB"],
        rows,
    )  # fmt: skip
    body += (
        f"\n\nEstimate for {args.cores} cores from the per-month x1 runs (uncontended): before + after "
        "runs as measured, the month-runs laid out longest first on cores/2 slots, one run launch "
        "(median gap between runs here) per wave of runs, and the code server's start and the "
        "submissions once:\n\n"
    )
    body += report.table(
        ["scale", "single s (here)", "before + after s", "months s", "launches + once s", f"estimate s, {args.cores} cores"],
        estimates,
    )  # fmt: skip
    body += f"\n\nLoad average before / after: {load_before} / {load_after}."
    command = "python -m bench partitions " + " ".join(argv)
    if args.no_append:
        print(body)
        return 0
    report.append(
        f"Partitions side by side (scales {args.scales})", body, command,
        data={"load_before": load_before, "load_after": load_after, "results": results},
    )  # fmt: skip
    return 0
