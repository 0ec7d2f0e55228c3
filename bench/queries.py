"""The heaviest analytics queries: ``EXPLAIN (ANALYZE, BUFFERS)`` of each analytics .sql file.

    python -m bench queries [--scale 10] [--runs 3] [--url postgresql://...admin]
    python -m bench queries --db postgresql://.../built_warehouse       # reuse a built warehouse

Without ``--db``: the default history at ``--scale`` is generated, imported and run (every asset
but the dashboards) in a child process on a fresh database (untimed setup). Then each
``ecom_assets/defs/analytics/sql/<table>.sql`` is run statement by statement, the data
statements (INSERT / CREATE ... AS / SELECT) under ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)``,
in a transaction that is rolled back (so the tables stay as the pipeline left them), ``--runs``
times. Reported per file, sorted by time: median execution time (server side, all its data
statements), the heaviest statement's planning + execution time, its shared buffer hits/reads,
its root node and the node with the largest self time (rows, loops).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import psycopg

from bench import common, report

SQL_DIR = Path(__file__).resolve().parent.parent / "ecom_assets" / "defs" / "analytics" / "sql"

BUILD = """
import sys
from pathlib import Path
from ecom_assets.lib import generator, importer
generator.generate(Path(sys.argv[2]), scale=float(sys.argv[1]), progress=False)
importer.import_export(Path(sys.argv[2]))
from ecom_assets import runner
defs = runner.load_definitions()
s = runner.run_graph(asset_selection=[k for k in runner.pipeline_assets(defs) if k.path[0] != "dashboards"])
assert s.ok, s.failed_assets
"""

DATA = ("INSERT", "WITH", "SELECT", "CREATE TEMP TABLE", "CREATE TABLE", "UPDATE", "DELETE")


def _explainable(statement: str) -> bool:
    body = "\n".join(ln for ln in statement.splitlines() if not ln.strip().startswith("--")).lstrip().upper()
    if body.startswith("CREATE TABLE") or body.startswith("CREATE TEMP TABLE"):
        return " AS\n" in body or " AS " in body.split("(")[0] or body.rstrip().endswith(" AS")
    return body.startswith(DATA)


def _self_times(node: dict, out: list[tuple[float, dict]]) -> None:
    total = node.get("Actual Total Time", 0.0) * node.get("Actual Loops", 1)
    children = node.get("Plans", [])
    child = sum(c.get("Actual Total Time", 0.0) * c.get("Actual Loops", 1) for c in children)
    out.append((total - child, node))
    for c in children:
        _self_times(c, out)


def _top(plan: dict) -> dict:
    """The plan's root, below the ModifyTable/Result wrapper of an INSERT or CREATE ... AS."""
    while plan["Node Type"] in ("ModifyTable", "Result") and len(plan.get("Plans", [])) == 1:
        plan = plan["Plans"][0]
    return plan


def _node(node: dict) -> str:
    name = node["Node Type"]
    if rel := node.get("Relation Name"):
        name += f" on {rel}"
    return f"{name} ({node.get('Actual Rows', 0):,} rows x {node.get('Actual Loops', 1)})"


def explain_file(conn: psycopg.Connection, path: Path) -> list[dict]:
    """EXPLAIN ANALYZE every data statement of one file, in a rolled-back transaction."""
    from ecom_assets.lib import postgres

    plans = []
    with conn.transaction(force_rollback=True):
        for statement in postgres.split_sql(path.read_text(encoding="utf-8")):
            if _explainable(statement):
                (doc,) = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement).fetchone()
                plans.append(doc[0] if isinstance(doc, list) else json.loads(doc)[0])
            else:
                conn.execute(statement)
    return plans


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench queries", description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=float, default=10.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--db", default=None, help="URL of an already built warehouse (skips the build)")
    p.add_argument(
        "--url", default=None, help="admin URL (default $ECOM_TEST_DATABASE_URL or local postgres)"
    )
    p.add_argument("--no-append", action="store_true", help="print only")
    args = p.parse_args(argv)
    admin = common.admin_url(args.url)
    url, work = args.db, None
    if url is None:
        url = common.create_db(admin, "ecom_bench_queries")
        work = common.scratch("queries")
        env = common.env_for(work / "data", url)
        common.run_child([common.python(), "-c", BUILD, str(args.scale), str(work / "export")], env)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            facts = {
                t: conn.execute(f"SELECT count(*) FROM warehouse.{t}").fetchone()[0]  # noqa: S608 - fixed names
                for t in ("fact_orders", "fact_order_items", "fact_clickstream", "fact_inventory")
            }
            conn.execute("VACUUM ANALYZE")
            results = []
            for path in sorted(SQL_DIR.glob("*.sql")):
                runs = [explain_file(conn, path) for _ in range(args.runs)]
                totals = [sum(pl["Planning Time"] + pl["Execution Time"] for pl in plans) for plans in runs]
                last = runs[-1]
                heavy = max(last, key=lambda pl: pl["Execution Time"])
                selfs: list[tuple[float, dict]] = []
                _self_times(heavy["Plan"], selfs)
                hot_ms, hot = max(selfs, key=lambda x: x[0])
                results.append(
                    [
                        path.name,
                        common.median(totals),
                        common.fmt(totals, 0),
                        len(last),
                        f"{heavy['Planning Time']:.1f} + {heavy['Execution Time']:.1f}",
                        f"{heavy['Plan'].get('Shared Hit Blocks', 0):,} / {heavy['Plan'].get('Shared Read Blocks', 0):,}",
                        _node(_top(heavy["Plan"])),
                        f"{_node(hot)}: {hot_ms:.0f} ms",
                    ]
                )
    finally:
        if work is not None:
            common.drop_db(admin, url)
            common.rmtree(work)
    results.sort(key=lambda r: -r[1])
    body = report.table(
        [
            "analytics file",
            "median ms (all data statements)",
            "runs ms",
            "data statements",
            "heaviest: plan + exec ms",
            "shared hit / read blocks",
            "top node (below the INSERT)",
            "largest self time",
        ],
        [[r[0], f"{r[1]:,.0f}", *r[2:]] for r in results],
    )
    body += (
        "\n\nWarehouse: "
        + ", ".join(f"{t} {n:,}" for t, n in facts.items())
        + f" rows. Each file run {args.runs} times in a rolled-back transaction after VACUUM ANALYZE "
        f"(warm cache after the first run; reads = blocks not in shared_buffers). Load average after: {common.load()}."
    )
    if args.no_append:
        print(body)
    else:
        scale = f"scale {args.scale:g}" if args.db is None else "given database"
        report.append(f"Analytics queries, EXPLAIN (ANALYZE, BUFFERS) ({scale})", body)
    return 0
