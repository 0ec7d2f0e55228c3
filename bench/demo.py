"""`ecom demo` end to end at one scale, with a breakdown per layer and Dagster's own overhead.

    python -m bench demo [--scale 1] [--runs 3] [--url postgresql://...admin] [--no-append]

Each run: a fresh database and a fresh ECOM_DATA_DIR under /tmp, then ``ecom demo --quiet`` as a
child process (warm install: the venv and the database server are already up; the child pays
interpreter start and imports, as a user does). Target (issue 7): <= 45 s at scale 1.

The breakdown comes from what the run itself recorded:
- startup, generate, import: from the times at which the child printed its lines (unbuffered);
- one row per layer: the sum of the step durations of the run (``instance.get_run_step_stats``),
  each step put in the layer of the asset it materializes (checks count with their asset);
- Dagster overhead inside the run: the run's wall time (run stats start..end) minus the sum of
  its step times (planning, event log writes, step launch between steps);
- definitions load: ``load_definitions()`` timed in a child on the same landed data, and the rest
  of ``run_graph`` around the run: job resolution, run creation - which on the default SQLite
  instance writes one ``ASSET_MATERIALIZATION_PLANNED`` event per asset and month before the
  run starts (see ``bench instance``) - and the summary.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

from bench import common, report

LAYERS = ("raw", "staging", "warehouse", "analytics", "report", "dashboards")

DEFS_CHILD = """
import time
t0 = time.perf_counter()
import dagster  # noqa: F401  (imports are the child's start-up, not the load)
from ecom_assets import runner
t1 = time.perf_counter()
defs = runner.load_definitions()
defs.resolve_job_def(runner.PIPELINE_JOB)
print(f"defs_load {time.perf_counter() - t1:.3f} imports {t1 - t0:.3f}")
"""


def layer_of(step_key: str) -> str:
    """Step keys are the asset key joined by ``__`` (checks: a separate step named after the asset)."""
    if step_key.startswith("analytics__business_questions"):
        return "report"
    head = step_key.split("__", 1)[0]
    return head if head in LAYERS else "other"


def step_times(dagster_home: Path) -> tuple[str, float, dict[str, float], dict[str, float]]:
    """The run id, its wall time, the summed step time per layer and the slowest steps."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        run = instance.get_runs(limit=1)[0]
        stats = instance.get_run_stats(run.run_id)
        per_layer: dict[str, float] = defaultdict(float)
        per_step: dict[str, float] = {}
        for s in instance.get_run_step_stats(run.run_id):
            if s.start_time is None or s.end_time is None:
                continue
            seconds = s.end_time - s.start_time
            per_layer[layer_of(s.step_key)] += seconds
            per_step[s.step_key] = seconds
        return run.run_id, stats.end_time - stats.start_time, dict(per_layer), per_step
    finally:
        instance.dispose()


def marks(lines: list[tuple[float, str]]) -> dict[str, float]:
    """Seconds since the child started at which each phase ended, from its printed lines."""
    out: dict[str, float] = {}
    for t, text in lines:
        if text.startswith("generating scale") and "startup" not in out:
            out["startup"] = t
        elif text.startswith("generated ") and "generate" not in out:
            out["generate"] = t
        elif text.startswith("warehouse: ") and "import" not in out:
            out["import"] = t
        elif (m := re.match(r"run \S+: (succeeded|FAILED) in ([\d.]+) s", text)) and "run_graph" not in out:
            out["run_graph"] = float(m.group(2))
            out["run_end"] = t
            if m.group(1) != "succeeded":
                raise SystemExit("ecom demo: the run failed:\n" + "\n".join(x for _, x in lines[-40:]))
    return out


PLANNED_SUBSET = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def one_run(admin: str, scale: float, planned_subset: bool = False) -> dict[str, object]:
    url = common.create_db(admin, "ecom_bench_demo")
    data = common.scratch("demo")
    try:
        env = common.env_for(data, url)
        if planned_subset:
            env[PLANNED_SUBSET] = "true"
        wall, rss, lines = common.run_child(
            [common.python(), "-m", "ecom_assets.cli", "demo", "--quiet", "--scale", str(scale)], env
        )
        m = marks(lines)
        run_id, run_wall, per_layer, per_step = step_times(data / "dagster_home")
        _, _, defs_lines = common.run_child([common.python(), "-c", DEFS_CHILD], env)
        defs_load = float(defs_lines[-1][1].split()[1])
        return {
            "total": wall,
            "rss": rss,
            "startup": m["startup"],
            "generate": m["generate"] - m["startup"],
            "import": m["import"] - m["generate"],
            "run_graph": m["run_graph"],
            "run_wall": run_wall,
            "steps": sum(per_layer.values()),
            "defs_load": defs_load,
            "tail": wall - m["run_end"],
            "db_bytes": common.db_size(url),
            **{f"layer:{k}": v for k, v in per_layer.items()},
            "per_step": per_step,
            "run_id": run_id,
        }
    finally:
        common.drop_db(admin, url)
        common.rmtree(data)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench demo", description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--url", default=None, help="admin URL (default $ECOM_TEST_DATABASE_URL or local postgres)"
    )
    p.add_argument(
        "--planned-subset",
        action="store_true",
        help=f"set {PLANNED_SUBSET}=true in the child: one planned event per asset, not per asset and month",
    )
    p.add_argument("--no-append", action="store_true", help="print only")
    args = p.parse_args(argv)
    admin = common.admin_url(args.url)
    load_before = common.load()
    runs = []
    for i in range(args.runs):
        r = one_run(admin, args.scale, args.planned_subset)
        print(f"run {i + 1}: {r['total']:.1f} s (load {common.load()})", flush=True)
        runs.append(r)
    load_after = common.load()

    def med(key: str) -> float:
        return common.median([float(r.get(key, 0.0)) for r in runs])

    def row(name: str, key: str, note: str = "") -> list[str]:
        values = [float(r.get(key, 0.0)) for r in runs]
        return [
            name,
            f"{common.median(values):.2f}",
            common.fmt(values, 2),
            f"{100 * med(key) / med('total'):.0f}%",
            note,
        ]

    rows = [
        row("**ecom demo, total (child process wall)**", "total", "target <= 45 s"),
        row("interpreter start + imports", "startup"),
        row("generate", "generate", "ecom_assets.lib.generator"),
        row("import (landing)", "import"),
    ]
    for layer in LAYERS:
        rows.append(row(f"run: {layer} steps", f"layer:{layer}", "sum of step times"))
    for r in runs:
        r["overhead"] = float(r["run_wall"]) - float(r["steps"])
        r["around"] = float(r["run_graph"]) - float(r["run_wall"])
    rows += [
        row("run: Dagster overhead inside the run", "overhead", "run wall - sum of step times"),
        row(
            "run_graph outside the run",
            "around",
            "definitions load, run creation (writes the planned events), summary",
        ),
        row("  of which definitions load", "defs_load", "load_definitions(), timed in a child"),
        row("after the run (exit)", "tail"),
    ]
    body = report.table(["phase", "median s", "runs s", "share", "what"], rows)
    slow = sorted(runs[0]["per_step"].items(), key=lambda kv: -kv[1])[:8]
    body += (
        f"\n\nScale {args.scale:g}, {len(runs)} runs, each in a fresh database and data dir; database size after "
        f"the run {med('db_bytes') / 2**20:.0f} MiB; peak RSS of the demo process {max(float(r['rss']) for r in runs):.0f} MiB. "
        f"Load average (1/5/15 min) before {load_before}, after {load_after} (2 cores, shared).\n\n"
        "Slowest steps of run 1: " + ", ".join(f"{k} {v:.2f} s" for k, v in slow) + "."
    )
    title = f"ecom demo end to end (scale {args.scale:g})"
    if args.planned_subset:
        title += f", {PLANNED_SUBSET}=true"
    if args.no_append:
        print(body)
    else:
        report.append(title, body)
    return 0
