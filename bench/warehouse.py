"""Warehouse build cost: the single-run backfill of the whole history, and one new day.

    python -m bench warehouse [--scale 1] [--runs 3] [--url postgresql://...admin]

Generates the default history at ``--scale`` (ecom_assets.lib.generator), imports it and loads
raw + staging (untimed), then times, as Dagster runs in process on an ephemeral instance:

1. the warehouse backfill: every dimension and fact over all landed months in ONE run
   (``BackfillPolicy.single_run()``), with ``full_refresh`` so each repeat redoes all the work;
2. one new day: the next day's events are generated, imported and staged (untimed), then the
   warehouse run over the new day's month partition, as the daily schedule runs it; before each
   repeat the day's fact ledger rows are dropped so the day is rebuilt again;
3. the same new day with the range over every month (what ``ecom run`` does): the other days
   are skipped by the ledger, the checks still cover every month;
4. the same with ``check_window: false`` (checks cover the rebuilt day only);
5. a re-run with nothing new (every day skipped).

The URL is an admin URL: the benchmark works in a database of its own and drops it.
"""

import argparse
import datetime as dt
import os
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql

from bench import report

WAREHOUSE_FACTS = ("fact_order_items", "fact_orders", "fact_clickstream", "fact_inventory")


def _db(admin_url: str) -> str:
    name = f"ecom_bench_wh_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(admin_url, dbname=name)


def _drop(admin_url: str, url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _median(times: list[float]) -> float:
    return float(np.median(times))


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench warehouse")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--url",
        default=os.environ.get("ECOM_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres",
    )
    args = p.parse_args(argv)
    url = _db(args.url)
    try:
        with tempfile.TemporaryDirectory(prefix="ecom-bench-wh-") as tmp:
            os.environ["ECOM_DATA_DIR"] = str(Path(tmp) / "data")
            os.environ["ECOM_DATABASE_URL"] = url
            os.environ.pop("ECOM_START_DATE", None)
            body = _run(Path(tmp), url, args.scale, args.runs)
        report.append(f"Warehouse build (scale {args.scale:g})", body)
    finally:
        _drop(args.url, url)
    return 0


def _run(tmp: Path, url: str, scale: float, runs: int) -> str:
    from ecom_assets.defs.raw import importer
    from ecom_assets.lib import generator, landing

    export = tmp / "export"
    generator.generate(export, scale=scale, end=generator.REFERENCE_END, progress=False)
    importer.import_export(export)
    as_of = landing.as_of_date()

    # the partitions definition reads the landing zone at import time: import Dagster code now
    import dagster as dg

    from ecom_assets.definitions import defs as load_defs
    from ecom_assets.defs.partitions import monthly_partitions, partition_key_for

    defs = load_defs()
    graph = defs.resolve_asset_graph()
    job = defs.resolve_implicit_global_asset_job_def()
    keys = list(graph.get_all_asset_keys())
    upstream = [k for k in keys if k.path[0] in ("raw", "staging") and graph.get(k).is_materializable]
    upstream = [k for k in upstream if graph.get(k).tags.get("ecom/role") != "generator"]
    warehouse = [k for k in keys if k.path[0] == "warehouse"]
    full_refresh = {
        "ops": {
            graph.get(k).assets_def.get_op_def_for_asset_key(k).name: {"config": {"full_refresh": True}}
            for k in warehouse
            if k.path[1] != "dim_date"
        }
    }
    instance = dg.DagsterInstance.ephemeral()

    def run(selection: list[dg.AssetKey], first: str, last: str, run_config: dict | None = None) -> float:
        tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
        t0 = time.perf_counter()
        result = job.execute_in_process(
            instance=instance, tags=tags, asset_selection=selection, run_config=run_config or {}
        )
        elapsed = time.perf_counter() - t0
        assert result.success
        return elapsed

    months = monthly_partitions.get_partition_keys()
    first_month, last_month = months[0], partition_key_for(as_of)
    run(upstream, first_month, last_month)
    with psycopg.connect(url) as conn:
        counts = {
            t: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("staging", t))
            ).fetchone()[0]
            for t in ("orders", "order_items", "clickstream", "inventory")
        }

    backfill = [run(warehouse, first_month, last_month, full_refresh) for _ in range(runs)]

    new_day = as_of + dt.timedelta(days=1)
    day_export = tmp / "day"
    generator.generate_day(day_export, new_day, scale=scale)
    importer.import_export(day_export, as_of=new_day)
    new_month = partition_key_for(new_day)
    run(upstream, new_month, new_month)
    with psycopg.connect(url) as conn:
        day_orders = conn.execute(
            "SELECT count(*) FROM staging.orders WHERE _day = %s", (new_day,)
        ).fetchone()[0]

    def forget_day() -> None:
        with psycopg.connect(url) as conn:
            conn.execute(
                "DELETE FROM ops.fact_builds WHERE day = %s AND table_name = ANY(%s)",
                (new_day, list(WAREHOUSE_FACTS)),
            )

    day_month, day_range = [], []
    for _ in range(runs):
        forget_day()
        day_month.append(run(warehouse, new_month, new_month))
    for _ in range(runs):
        forget_day()
        day_range.append(run(warehouse, first_month, new_month))
    day_only = {
        "ops": {
            graph.get(k).assets_def.get_op_def_for_asset_key(k).name: {"config": {"check_window": False}}
            for k in warehouse
            if k.path[1].startswith("fact_")
        }
    }
    day_checks = []
    for _ in range(runs):
        forget_day()
        day_checks.append(run(warehouse, first_month, new_month, day_only))
    nothing = [run(warehouse, new_month, new_month) for _ in range(runs)]

    rows = [
        [
            "warehouse backfill, all months, one run (full_refresh)",
            f"{first_month}..{last_month}",
            _median(backfill),
            _fmt(backfill),
        ],
        ["one new day, daily run of its month", new_month, _median(day_month), _fmt(day_month)],
        [
            "one new day, range over every month (`ecom run`)",
            f"{first_month}..{new_month}",
            _median(day_range),
            _fmt(day_range),
        ],
        [
            "one new day, range over every month, checks on rebuilt days (`check_window: false`)",
            f"{first_month}..{new_month}",
            _median(day_checks),
            _fmt(day_checks),
        ],
        ["re-run, nothing new", new_month, _median(nothing), _fmt(nothing)],
    ]
    body = report.table(
        ["run (3 SCD2 dims + dim_date + 4 facts, in process)", "partitions", "median s", "runs s"],
        [[r[0], r[1], f"{r[2]:.2f}", r[3]] for r in rows],
    )
    body += (
        f"\n\nHistory up to {as_of}, staged rows: "
        + ", ".join(f"{t} {n:,}" for t, n in counts.items())
        + f"; the new day {new_day} has {day_orders:,} orders. Times include Dagster's own bookkeeping"
        " (one materialization and its checks per month partition) on an ephemeral instance."
    )
    return body
