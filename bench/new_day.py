"""The cost of one new day on top of a backfilled history, at scale 1 and 10 (100 when asked).

    python -m bench new_day [--scales 1,10] [--days 3] [--url postgresql://...admin]

Per scale, in one child process with a fresh database and data dir: the default history is
generated, imported and run (untimed: "a backfilled data set"), then ``--days`` new days, one
after the other (as-of + 1, + 2, ...), each timed as the daily schedule would do it:
``generator.generate_day`` + ``importer.import_export(day, as_of=day)`` +
``runner.run_graph(day, day)`` (the current month partition, and the unpartitioned assets).
The median over the days is reported, with every step's time from the run's step stats, so a
step that grows with the history rather than with the day shows up by name.

Target (issue 7): new day at scale 100 / new day at scale 1 <= 2 (the ratio of the largest
scale to scale 1 is printed; both measured in this same invocation).

The setup is itself a full-history single-run backfill, so its figures are reported too (one
run per scale): import and ``run_graph()`` seconds, the child's peak RSS (``os.wait4``; it
covers the generator, the backfill and the new days of that process) and the database size.
``python -m bench new_day --scales 1,100`` thus also answers the scale-100 backfill target.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from bench import common, report
from bench.demo import LAYERS, layer_of

CHILD = """
import datetime as dt, json, sys, time
from pathlib import Path
from ecom_assets.defs.raw import importer
from ecom_assets.lib import generator, landing
scale, days, tmp = float(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
gen = generator.generate(tmp / "export", scale=scale, end=generator.REFERENCE_END, progress=False)
t0 = time.perf_counter()
importer.import_export(tmp / "export")
t1 = time.perf_counter()
import dagster as dg
from ecom_assets import runner
base = runner.run_graph()
assert base.ok, base.failed_assets
print(json.dumps({"import": t1 - t0, "backfill": time.perf_counter() - t1, "orders": gen.rows["orders"],
                  "rows": sum(gen.rows.values())}), flush=True)
instance = dg.DagsterInstance.get()
for i in range(days):
    day = landing.as_of_date() + dt.timedelta(days=1)
    out = tmp / f"day-{day}"
    t0 = time.perf_counter()
    rep = generator.generate_day(out, day, scale=scale)
    t1 = time.perf_counter()
    importer.import_export(out, as_of=day)
    t2 = time.perf_counter()
    s = runner.run_graph(day, day)
    t3 = time.perf_counter()
    assert s.ok, s.failed_assets
    steps = {x.step_key: x.end_time - x.start_time for x in instance.get_run_step_stats(s.run_id)
             if x.start_time and x.end_time}
    st = instance.get_run_stats(s.run_id)
    print(json.dumps({"day": str(day), "rows": rep.total_rows, "generate": t1 - t0, "import": t2 - t1,
                      "run": t3 - t2, "run_wall": st.end_time - st.start_time, "steps": steps}), flush=True)
"""


def one_scale(admin: str, scale: float, days: int) -> tuple[dict, list[dict]]:
    url = common.create_db(admin, "ecom_bench_newday")
    data = common.scratch("new-day")
    try:
        env = common.env_for(data, url)
        _, rss, lines = common.run_child(
            [common.python(), "-c", CHILD, str(scale), str(days), str(data)], env
        )
        records = [json.loads(t) for _, t in lines if t.startswith("{")]
        base = {**records[0], "rss": rss, "db_bytes": common.db_size(url)}
        return base, records[1:]
    finally:
        common.drop_db(admin, url)
        common.rmtree(data)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench new_day", description=__doc__.split("\n")[0])
    p.add_argument(
        "--scales", default="1,10", help="comma-separated scales (default 1,10; add 100 when asked)"
    )
    p.add_argument("--days", type=int, default=3, help="new days timed per scale (median reported)")
    p.add_argument("--top", type=int, default=12, help="steps listed in the per-step table")
    p.add_argument(
        "--url", default=None, help="admin URL (default $ECOM_TEST_DATABASE_URL or local postgres)"
    )
    p.add_argument("--no-append", action="store_true", help="print only")
    args = p.parse_args(argv)
    admin = common.admin_url(args.url)
    scales = [float(s) for s in args.scales.split(",")]
    result: dict[float, tuple[dict, list[dict]]] = {}
    for scale in scales:
        result[scale] = one_scale(admin, scale, args.days)
        base, days = result[scale]
        print(
            f"scale {scale:g}: backfill {base['backfill']:.1f} s, days {[round(d['run'], 1) for d in days]} "
            f"(load {common.load()})",
            flush=True,
        )

    def med(days: list[dict], key: str) -> float:
        return common.median([d[key] for d in days])

    rows = []
    for scale, (base, days) in result.items():
        total = [d["generate"] + d["import"] + d["run"] for d in days]
        for d, t in zip(days, total, strict=True):
            d["total"] = t
            d["steps_sum"] = sum(d["steps"].values())
        rows.append(
            [
                f"{scale:g}",
                f"{base['orders']:,}",
                f"{med(days, 'rows'):,.0f}",
                f"{med(days, 'generate'):.2f}",
                f"{med(days, 'import'):.2f}",
                f"{med(days, 'run'):.2f}",
                f"{med(days, 'run_wall') - med(days, 'steps_sum'):.2f}",
                f"**{med(days, 'total'):.2f}**",
                common.fmt(total, 2),
                f"{base['backfill']:.1f}",
                common.load(),
            ]
        )
    first, last = scales[0], scales[-1]
    ratio = med(result[last][1], "total") / med(result[first][1], "total")
    body = report.table(
        [
            "scale",
            "history orders",
            "rows of the day",
            "generate_day s",
            "import s",
            "run_graph s",
            "Dagster in run s",
            "new day total s (median)",
            "days s",
            "backfill s (untimed setup)",
            "load avg after",
        ],
        rows,
    )
    body += (
        f"\n\nRatio scale {last:g} / scale {first:g} (same invocation): **{ratio:.2f}x** "
        "(target at 100/1: <= 2x).\n\n"
    )
    body += (
        "The history each scale was set up with: one full-history single-run backfill (`import` + "
        "`run_graph()`, every asset, dashboards included) in the same child process, one run:\n\n"
    )
    body += report.table(
        [
            "scale",
            "rows landed",
            "import s",
            "run_graph s",
            "import + run s",
            "rows/s",
            "child peak RSS MiB (generate, backfill, days)",
            "database MiB",
        ],
        [
            [
                f"{scale:g}",
                f"{base['rows']:,}",
                f"{base['import']:.1f}",
                f"{base['backfill']:.1f}",
                f"**{base['import'] + base['backfill']:.1f}**",
                f"{base['rows'] / (base['import'] + base['backfill']):,.0f}",
                f"{base['rss']:.0f}",
                f"{base['db_bytes'] / 2**20:,.0f}",
            ]
            for scale, (base, _) in result.items()
        ],
    )
    body += "\n\n"
    # per layer and the steps that grow the most between the smallest and largest scale
    layer_rows = []
    for scale, (_, days) in result.items():
        per = defaultdict(list)
        for d in days:
            acc = defaultdict(float)
            for k, v in d["steps"].items():
                acc[layer_of(k)] += v
            for layer in LAYERS:
                per[layer].append(acc[layer])
        layer_rows.append([f"{scale:g}"] + [f"{common.median(per[layer]):.2f}" for layer in LAYERS])
    body += "Step time per layer in the new day's run (median s):\n\n"
    body += report.table(["scale", *LAYERS], layer_rows)
    keys = set().union(*(d["steps"] for d in result[last][1]))

    def step_med(scale: float, key: str) -> float:
        return common.median([d["steps"].get(key, 0.0) for d in result[scale][1]])

    growth = sorted(keys, key=lambda k: -(step_med(last, k) - step_med(first, k)))[: args.top]
    body += (
        f"\n\nSteps that grow the most from scale {first:g} to {last:g} (median s of the new day's run):\n\n"
    )
    body += report.table(
        ["step", *(f"scale {s:g}" for s in scales), f"growth {last:g} - {first:g} s"],
        [
            [k, *(f"{step_med(s, k):.2f}" for s in scales), f"{step_med(last, k) - step_med(first, k):+.2f}"]
            for k in growth
        ],
    )
    body += (
        "\n\nEach scale: one child process, fresh database and data dir; the history is "
        "generated, imported and run first (untimed), then each new day is the next calendar day."
    )
    if args.no_append:
        print(body)
    else:
        report.append(f"One new day (scales {args.scales})", body)
    return 0
