"""Full-history single-run backfill: ``import`` then ``run_graph`` of the whole history, per scale.

    python -m bench backfill [--scales 1,10] [--runs 3] [--runs-large 1] [--url postgresql://...admin]
    python -m bench backfill --scales 1,10,100          # scale 100 when asked (~15 min)

For each scale the export is generated once (untimed, under /tmp); each run then works in a
fresh database and data dir and runs, in two child processes one after the other,
``importer.import_export`` and ``runner.run_graph()`` (every asset, month partitions as one
single-run range) - what ``ecom import DIR && ecom run`` do. Each child's peak RSS is read with
``os.wait4``; the figure is the larger. Targets (issue 18): at scale 100 import + run <= 300 s and
<= 1 GB peak RSS, at scale 300 <= 15 min. Also reported: the database size
(``pg_database_size``), the export's and the landing zone's bytes, and rows/s over the rows landed.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from bench import common, report
from bench.demo import LAYERS, step_times

# Two processes, as a user runs it (``ecom import DIR`` then ``ecom run``): one process for both
# would report as its peak the run's memory on top of what the import's allocator kept.
IMPORT_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from ecom_assets.defs.raw import importer
t1 = time.perf_counter()
importer.import_export(Path(sys.argv[1]))
print(json.dumps({"import_imports": t1 - t0, "import": time.perf_counter() - t1}))
"""

RUN_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from ecom_assets import runner
t1 = time.perf_counter()
summary = runner.run_graph()
t2 = time.perf_counter()
if not summary.ok:
    runner.print_summary(summary)
    sys.exit(1)
print(json.dumps({"imports": t1 - t0, "run": t2 - t1}))
"""


def generate(scale: float, out: Path) -> dict[str, int]:
    from ecom_assets.lib import generator

    rep = generator.generate(out, scale=scale, end=generator.REFERENCE_END, progress=False)
    return dict(rep.rows)


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def one_run(admin: str, export: Path) -> dict[str, float]:
    url = common.create_db(admin, "ecom_bench_backfill")
    data = common.scratch("backfill")
    try:
        env = common.env_for(data, url)
        wall_i, rss_i, lines_i = common.run_child([common.python(), "-c", IMPORT_CHILD, str(export)], env)
        wall_r, rss_r, lines_r = common.run_child([common.python(), "-c", RUN_CHILD], env)
        wall, rss = wall_i + wall_r, max(rss_i, rss_r)
        out = {
            **json.loads(lines_i[-1][1]),
            **json.loads(lines_r[-1][1]),
            "rss_import": rss_i,
            "rss_run": rss_r,
        }
        _, run_wall, per_layer, _ = step_times(data / "dagster_home")
        return {
            "wall": wall,
            "rss": rss,
            "landing_bytes": _bytes(data / "landing"),
            "run_wall": run_wall,
            "db_bytes": common.db_size(url),
            **out,
            **{f"layer:{k}": v for k, v in per_layer.items()},
        }
    finally:
        common.drop_db(admin, url)
        common.rmtree(data)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench backfill", description=__doc__.split("\n")[0])
    p.add_argument(
        "--scales", default="1,10", help="comma-separated scales (default 1,10; add 100 when asked)"
    )
    p.add_argument("--runs", type=int, default=3, help="runs per scale below 100 (median reported)")
    p.add_argument("--runs-large", type=int, default=1, help="runs at scale >= 100 (default 1)")
    p.add_argument(
        "--url", default=None, help="admin URL (default $ECOM_TEST_DATABASE_URL or local postgres)"
    )
    p.add_argument("--no-append", action="store_true", help="print only")
    args = p.parse_args(argv)
    admin = common.admin_url(args.url)
    rows, layer_rows = [], []
    for scale in [float(s) for s in args.scales.split(",")]:
        export = common.scratch(f"backfill-export-{scale:g}")
        try:
            counts = generate(scale, export)
            export_bytes = _bytes(export)
            runs = []
            for i in range(args.runs_large if scale >= 100 else args.runs):
                r = one_run(admin, export)
                print(
                    f"scale {scale:g} run {i + 1}: {r['wall']:.1f} s, rss {r['rss']:.0f} MiB (load {common.load()})"
                )
                runs.append(r)
        finally:
            common.rmtree(export)
        total_rows = sum(counts.values())

        def med(key: str, runs: list[dict[str, float]] = runs) -> float:
            return common.median([r.get(key, 0.0) for r in runs])

        wall = med("wall")
        target = {100: " (target <= 300 s, <= 1024 MiB)", 300: " (target <= 900 s)"}.get(int(scale), "")
        rows.append(
            [
                f"{scale:g}",
                len(runs),
                f"{counts['orders']:,}",
                f"{total_rows:,}",
                f"{med('import'):.1f}",
                f"{med('run'):.1f}",
                f"**{wall:.1f}**{target}",
                common.fmt([r["wall"] for r in runs]),
                f"{total_rows / wall:,.0f}",
                f"{max(r['rss'] for r in runs):.0f} ({max(r.get('rss_import', 0) for r in runs):.0f} / "
                f"{max(r.get('rss_run', 0) for r in runs):.0f})",
                f"{med('db_bytes') / 2**20:,.0f}",
                f"{export_bytes / 2**20:,.0f}",
                f"{med('landing_bytes') / 2**20:,.0f} ({med('landing_bytes') / export_bytes:.2f}x)",
                common.load(),
            ]
        )
        per_layer = defaultdict(float)
        for layer in LAYERS:
            per_layer[layer] = med(f"layer:{layer}")
        layer_rows.append(
            [f"{scale:g}"]
            + [f"{per_layer[layer]:.1f}" for layer in LAYERS]
            + [f"{med('run_wall') - sum(per_layer.values()):.1f}"]
        )
    body = report.table(
        [
            "scale",
            "runs",
            "orders",
            "rows landed",
            "import s",
            "run_graph s",
            "import + run s (child wall, median)",
            "runs s",
            "rows/s",
            "peak RSS MiB, max (import / run)",
            "database MiB",
            "export MiB",
            "landing MiB (x export)",
            "load avg 1/5/15 after",
        ],
        rows,
    )
    body += "\n\nStep time per layer inside the run (median s, sum of step durations) and Dagster's own time in the run:\n\n"
    body += report.table(["scale", *LAYERS, "Dagster (run wall - steps)"], layer_rows)
    body += (
        "\n\nEach run: fresh database and data dir, two child processes one after the other, "
        "`ecom import` then `ecom run` (interpreter start and imports included in their wall times); the export is generated once per scale, untimed. 2-core machine shared with "
        "other sessions: see the load average."
    )
    if args.no_append:
        print(body)
    else:
        report.append(f"Full-history backfill, single run (scales {args.scales})", body)
    return 0
