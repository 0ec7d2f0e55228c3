"""The heaviest analytics queries: ``EXPLAIN (ANALYZE, BUFFERS)`` of each analytics .sql file.

    python -m bench queries [--scale 10] [--runs 3] [--url postgresql://...admin]
    python -m bench queries --db postgresql://.../built_warehouse       # reuse a built warehouse

Without ``--db``: the default history at ``--scale`` is generated, imported and run (every asset
but the dashboards) in a child process on a fresh database (untimed setup). Then each
``ecom_assets/defs/analytics/sql/<table>.sql`` is run statement by statement, the data
statements (INSERT / UPDATE / DELETE / WITH / SELECT / CREATE ... AS) under
``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)``, the others (CREATE TABLE IF NOT EXISTS, DO blocks,
CREATE TEMP VIEW, ...) just run, in a transaction that is rolled back (so the tables and the
ops state stay as the pipeline left them), ``--runs`` times, on a connection with the
pipeline's session settings (``PostgresResource``: work_mem).

A file with ``%(...)s`` placeholders (an incremental table, ``build_table``) runs in two
variants, with the parameters ``incremental.Delta.params`` gives it:

- ``full``: full=true, no changed days or months, as_of from ``ops.run_context`` (first build,
  changed SQL, ``full_refresh``): the state in ops is rebuilt from the facts;
- ``new day``: full=false and the as-of day as the one changed day of each of the table's facts
  that has it in ``ops.fact_builds`` (inventory only on snapshot days), extended by the table's
  reach (campaign_attribution: the 6 days after it) and their months: what ``incremental.plan``
  passes on the daily run that loads the as-of day. (Here the day is already in the state, so
  it is recomputed rather than added; the as-of date does not move.)

Files without placeholders (segment_metrics, rebuilt whole every time; the queries of the
checks and the report) run without parameters. Files that are not a table's SQL but take
parameters of their own (the checks' helpers) are not run, nor files without a data statement,
nor, among the checks' and report's files, one that fails on this database; the note below the
table names them. Reported per file and variant, sorted by the full variant's time:
median server time (planning + execution of the data statements), median client wall time of
the whole file (every statement, EXPLAIN overhead included), the heaviest statement's planning
+ execution time, its shared buffer hits/reads, its root node and the node with the largest
self time (rows, loops); then the sum per variant.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import psycopg

from bench import common, report

SQL_DIR = Path(__file__).resolve().parent.parent / "ecom_assets" / "defs" / "analytics" / "sql"

BUILD = """
import sys
from pathlib import Path
from ecom_assets.defs.raw import importer
from ecom_assets.lib import generator
generator.generate(Path(sys.argv[2]), scale=float(sys.argv[1]), end=generator.REFERENCE_END, progress=False)
importer.import_export(Path(sys.argv[2]))
from ecom_assets import runner
defs = runner.load_definitions()
s = runner.run_graph(asset_selection=[k for k in runner.pipeline_assets(defs) if k.path[0] != "dashboards"])
assert s.ok, s.failed_assets
"""

DATA = ("INSERT", "WITH", "SELECT", "CREATE TEMP TABLE", "CREATE TABLE", "UPDATE", "DELETE")
FULL, NEW_DAY, WHOLE = "full", "new day", "whole (no params)"


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


def sources() -> list[tuple[str, str]]:
    """(file name, SQL) of each analytics table as ``build_table`` runs it (a shared template
    filled in, e.g. category/brand_metrics from group_metrics.sql; after the DDL of the shared
    functions it calls, e.g. customer_first_days.sql, which ``build_table`` runs just before),
    then the other files."""
    from ecom_assets.defs.analytics import assets

    out = [(f"{s.name}.sql", assets.functions_sql(s) + assets.table_sql(s)) for s in assets.TABLES]
    used = {f"{s.template or s.name}.sql" for s in assets.TABLES}
    used |= {f"{name}.sql" for s in assets.TABLES for name in s.functions}
    out += [(p.name, p.read_text(encoding="utf-8")) for p in SQL_DIR.glob("*.sql") if p.name not in used]
    return sorted(out)


def explain_file(
    conn: psycopg.Connection, source: tuple[str, str], params: dict[str, object] | None = None
) -> tuple[list[dict], float]:
    """EXPLAIN ANALYZE every data statement of one file (the others just run) with ``params``
    (as ``postgres.run_sql_file`` passes them), in a rolled-back transaction. Returns the plans
    and the client wall time of the whole file in ms."""
    from ecom_assets.lib import postgres

    plans = []
    t0 = time.perf_counter()
    with conn.transaction(force_rollback=True):
        for statement in postgres.split_sql(source[1]):
            if _explainable(statement):
                (doc,) = conn.execute(
                    "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, params
                ).fetchone()
                plans.append(doc[0] if isinstance(doc, list) else json.loads(doc)[0])
            else:
                conn.execute(statement, params)
    return plans, (time.perf_counter() - t0) * 1000


def variants(conn: psycopg.Connection, source: tuple[str, str]) -> list[tuple[str, dict[str, object] | None]]:
    """The parameter sets a file runs with: full and new day for an incremental table's SQL, no
    parameters for a file without placeholders, none (skipped) for another file's placeholders."""
    from ecom_assets.defs.analytics import assets, incremental

    spec = next((s for s in assets.TABLES if f"{s.name}.sql" == source[0]), None)
    if "%(" not in source[1]:
        return [(WHOLE, None)]
    if spec is None:
        return []
    as_of = assets.require_as_of(conn)
    full = incremental.Delta(spec.name, True, "bench full", as_of, as_of).params(spec.reach)
    facts = spec.facts
    if conn.execute("SELECT to_regclass('ops.fact_builds')").fetchone()[0] is not None:
        facts = tuple(
            f for f in facts
            if conn.execute("SELECT 1 FROM ops.fact_builds WHERE table_name = %s AND day = %s", (f, as_of)).fetchone()
        )  # fmt: skip
    new = incremental.Delta(spec.name, False, "bench new day", as_of, as_of, {f: [as_of] for f in facts})
    return [(FULL, full), (NEW_DAY, new.params(spec.reach))]


def _days(params: dict[str, object] | None) -> str:
    if params is None:
        return "-"
    if params["full"]:
        return "all"
    days: list[dt.date] = params["days"]  # type: ignore[assignment]
    if not days:
        return "none"
    span = f"{days[0]}" if len(days) == 1 else f"{days[0]}..{days[-1]}"
    return f"{span} ({len(params['months'])} month{'s' if len(params['months']) != 1 else ''})"  # type: ignore[arg-type]


def measure(
    conn: psycopg.Connection, source: tuple[str, str], variant: str, params: dict | None, runs: int
) -> dict | None:
    results = [explain_file(conn, source, params) for _ in range(runs)]
    totals = [sum(pl["Planning Time"] + pl["Execution Time"] for pl in plans) for plans, _ in results]
    walls = [wall for _, wall in results]
    last = results[-1][0]
    if not last:
        return None
    heavy = max(last, key=lambda pl: pl["Planning Time"] + pl["Execution Time"])
    selfs: list[tuple[float, dict]] = []
    _self_times(heavy["Plan"], selfs)
    hot_ms, hot = max(selfs, key=lambda x: x[0])
    return {
        "file": source[0],
        "variant": variant,
        "days": _days(params),
        "server": common.median(totals),
        "wall": common.median(walls),
        "runs": common.fmt(totals, 0),
        "statements": len(last),
        "heavy": f"{heavy['Planning Time']:.1f} + {heavy['Execution Time']:.1f}",
        "blocks": f"{heavy['Plan'].get('Shared Hit Blocks', 0):,} / {heavy['Plan'].get('Shared Read Blocks', 0):,}",
        "top": _node(_top(heavy["Plan"])),
        "hot": f"{_node(hot)}: {hot_ms:.0f} ms",
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench queries", description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=float, default=10.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--db", default=None, help="URL of an already built warehouse (skips the build)")
    p.add_argument(
        "--url", default=None, help="admin URL (default $ECOM_TEST_DATABASE_URL or local postgres)"
    )
    p.add_argument("--no-append", action="store_true", help="print only: no result file, no page")
    args = p.parse_args(argv)
    from ecom_assets.defs.analytics import assets
    from ecom_assets.defs.resources import PostgresResource

    admin = common.admin_url(args.url)
    url, work = args.db, None
    if url is None:
        url = common.create_db(admin, "ecom_bench_queries")
        work = common.scratch("queries")
        env = common.env_for(work / "data", url)
        common.run_child([common.python(), "-c", BUILD, str(args.scale), str(work / "export")], env)
    try:
        with PostgresResource(database_url=url, application_name="ecom-bench").get_connection(
            autocommit=True
        ) as conn:
            conn.prepare_threshold = None  # plan every run with its values, as one build_table does
            facts = {
                t: conn.execute(f"SELECT count(*) FROM warehouse.{t}").fetchone()[0]  # noqa: S608 - fixed names
                for t in ("fact_orders", "fact_order_items", "fact_clickstream", "fact_inventory")
            }
            as_of = conn.execute("SELECT as_of FROM ops.run_context").fetchone()[0]
            work_mem = conn.execute("SHOW work_mem").fetchone()[0]
            conn.execute("VACUUM ANALYZE")
            results, skipped = [], []
            for source in sources():
                chosen = variants(conn, source)
                if not chosen:
                    skipped.append(f"{source[0]} (parameters of its own)")
                for variant, params in chosen:
                    try:
                        measured = measure(conn, source, variant, params, args.runs)
                    except psycopg.Error as exc:
                        if any(f"{spec.name}.sql" == source[0] for spec in assets.TABLES):
                            raise
                        skipped.append(f"{source[0]} ({str(exc).splitlines()[0]})")
                        break
                    if measured is None:
                        skipped.append(f"{source[0]} (no data statement)")
                        break
                    results.append(measured)
    finally:
        if work is not None:
            common.drop_db(admin, url)
            common.rmtree(work)
    order = {FULL: 0, WHOLE: 0, NEW_DAY: 1}
    key_ms = {r["file"]: r["server"] for r in results if order[r["variant"]] == 0}
    results.sort(key=lambda r: (-key_ms[r["file"]], r["file"], order[r["variant"]]))
    rows = [
        [r["file"], r["variant"], r["days"], f"{r['server']:,.0f}", f"{r['wall']:,.0f}", r["runs"],
         r["statements"], r["heavy"], r["blocks"], r["top"], r["hot"]]
        for r in results
    ]  # fmt: skip
    tables = {f"{spec.name}.sql" for spec in assets.TABLES}
    for label, kinds in (
        (f"the {len(tables)} tables, full", {FULL, WHOLE}),
        (f"the {len(tables)} tables, new day", {NEW_DAY, WHOLE}),
    ):
        chosen = [r for r in results if r["variant"] in kinds and r["file"] in tables]
        rows.append(
            [f"**{label}**", "", "", f"{sum(r['server'] for r in chosen):,.0f}",
             f"{sum(r['wall'] for r in chosen):,.0f}", "", "", "", "", "", ""]
        )  # fmt: skip
    body = report.table(
        [
            "analytics file",
            "variant",
            "changed days",
            "median ms (data statements, server)",
            "median ms (whole file, wall)",
            "runs ms (server)",
            "data statements",
            "heaviest: plan + exec ms",
            "shared hit / read blocks",
            "top node (below the INSERT)",
            "largest self time",
        ],
        rows,
    )
    body += (
        "\n\nWarehouse: "
        + ", ".join(f"{t} {n:,}" for t, n in facts.items())
        + f" rows, as-of {as_of}. Each file and variant run {args.runs} times in a rolled-back transaction "
        f"after VACUUM ANALYZE (work_mem {work_mem}; warm cache after the first run; reads = blocks not "
        "in shared_buffers). Variants: full = %(full)s true (the ops state rebuilt from the facts); "
        "new day = %(full)s false with the as-of day as the changed day of each fact that has it "
        "(plus the table's reach) and its month, what the daily run loading that day passes (the day "
        "is already in the state, so it is recomputed); whole = a file without parameters. Server ms "
        "leave out the statements that are not EXPLAINed (DDL, DO blocks: e.g. the full variant's "
        "index builds on the state); the wall ms include them and EXPLAIN ANALYZE's own overhead, "
        "but not the checks that build_table runs after the SQL. "
        + (f"Not run: {', '.join(skipped)}. " if skipped else "")
        + f"Load average after: {common.load()}."
    )
    if args.no_append:
        print(body)
    else:
        scale = f"scale {args.scale:g}" if args.db is None else "given database"
        report.append(f"Analytics queries, EXPLAIN (ANALYZE, BUFFERS), full and new day ({scale})", body)
    return 0
