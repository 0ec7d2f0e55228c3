"""What Dagster's own run storage costs: the same run_graph on three kinds of DagsterInstance.

    python -m bench instance [--scale 1] [--runs 3] [--modes stock-sqlite,sqlite,postgres,ephemeral]

Why: profiling ``ecom demo`` (py-spy, see docs/SCALING.md) put about half of the run's samples
in ``SqliteEventLogStorage.store_event``: the default ``DAGSTER_HOME`` (no dagster.yaml) keeps
the event log in SQLite files, one connection and one fsync'd commit per event, in the run's
file and again in the index file, and a single-run range over 13 months writes about a
thousand events (one ``ASSET_MATERIALIZATION_PLANNED`` per asset and month before the first step).

Each mode runs ``runner.run_graph`` (every asset but the dashboards) in a child process on the
same landed history, each on a fresh warehouse database:
- ``stock-sqlite``: Dagster's own ``SqliteEventLogStorage`` (DAGSTER_HOME without storage
  config), what ``ecom run`` used before ``lib/dagster_storage.py``;
- ``sqlite``: what ``ecom run`` / ``ecom demo`` use (``runner.local_instance_yaml``: the same
  SQLite files through ``LocalSqliteEventLogStorage``);
- ``postgres``: dagster-postgres storage in a database of its own on the same server, with
  ``synchronous_commit=off`` for its connections (run metadata, not warehouse data);
- ``ephemeral``: ``DagsterInstance.ephemeral()`` (in memory; the floor, the UI sees nothing).
"""

from __future__ import annotations

import argparse
import json

import psycopg

from bench import common, report

CHILD = """
import json, sys, time
from ecom_assets import runner
import dagster as dg
mode = sys.argv[1]
instance = dg.DagsterInstance.ephemeral() if mode == "ephemeral" else None
defs = runner.load_definitions()
selection = [k for k in runner.pipeline_assets(defs) if k.path[0] != "dashboards"]
t0 = time.perf_counter()
s = runner.run_graph(instance=instance, asset_selection=selection)
assert s.ok, s.failed_assets
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""

# (the comment keeps runner.dagster_home() from upgrading it to the local event log)
STOCK_YAML = "# bench: stock instance\ntelemetry:\n  enabled: false\n"

PG_YAML = """storage:
  postgres:
    postgres_db:
      username: {user}
      hostname: {host}
      port: {port}
      db_name: {db}
      scheme: postgresql+psycopg2
      params:
        options: "-c synchronous_commit=off"
"""


def one(admin: str, data, mode: str) -> float:  # noqa: ANN001 - Path
    url = common.create_db(admin, "ecom_bench_instance")
    dagster_db = common.create_db(admin, "ecom_bench_dagster") if mode == "postgres" else None
    try:
        common.rmtree(data / "dagster_home")
        env = common.env_for(data, url)
        config = data / "dagster_home" / "dagster.yaml"  # mode "sqlite": as env_for wrote it
        if mode == "stock-sqlite":
            config.write_text(STOCK_YAML)
        if dagster_db:
            info = psycopg.conninfo.conninfo_to_dict(dagster_db)
            yaml = PG_YAML.format(
                user=info.get("user", "postgres"),
                host=info.get("host", "127.0.0.1"),
                port=info.get("port", 5432),
                db=info["dbname"],
            )
            config.write_text(STOCK_YAML + yaml)
        _, _, lines = common.run_child([common.python(), "-c", CHILD, mode], env)
        return json.loads(lines[-1][1])["seconds"]
    finally:
        common.drop_db(admin, url)
        if dagster_db:
            common.drop_db(admin, dagster_db)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench instance", description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--modes", default="stock-sqlite,sqlite,postgres,ephemeral")
    p.add_argument(
        "--url", default=None, help="admin URL (default $ECOM_TEST_DATABASE_URL or local postgres)"
    )
    p.add_argument("--no-append", action="store_true", help="print only")
    args = p.parse_args(argv)
    admin = common.admin_url(args.url)
    modes = args.modes.split(",")
    work = common.scratch("instance")
    try:
        from ecom_assets.defs.raw import importer
        from ecom_assets.lib import generator

        generator.generate(work / "export", scale=args.scale, end=generator.REFERENCE_END, progress=False)
        importer.import_export(work / "export", landing_root=work / "data" / "landing")
        times: dict[str, list[float]] = {m: [] for m in modes}
        for i in range(args.runs):  # modes interleaved, so a load spike hits them alike
            for mode in modes:
                times[mode].append(one(admin, work / "data", mode))
                print(f"run {i + 1} {mode}: {times[mode][-1]:.1f} s (load {common.load()})", flush=True)
    finally:
        common.rmtree(work)
    base = common.median(times[modes[0]])
    rows = [
        [m, f"{common.median(t):.1f}", common.fmt(t), f"{common.median(t) / base:.2f}"]
        for m, t in times.items()
    ]
    body = report.table(["Dagster instance storage", "run_graph median s", "runs s", f"vs {modes[0]}"], rows)
    body += (
        f"\n\nScale {args.scale:g}, every asset but the dashboards, one child process per run, fresh warehouse "
        f"database each. Load average after: {common.load()} (2 cores, shared)."
    )
    if args.no_append:
        print(body)
    else:
        report.append(f"Dagster instance storage (scale {args.scale:g})", body)
    return 0
