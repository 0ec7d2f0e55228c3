"""An analytics table's SQL at another commit against this checkout's, on the same warehouse.

    python -m bench sql_versions --db postgresql://.../built_warehouse --before c1c1a1f \\
        --tables product_metrics,customer_metrics,campaign_attribution [--runs 3]

For each table, the SQL ``build_table`` runs (its file, the shared functions it calls and the
summaries it rebuilds after, ``TableSpec.after``) as of ``--before`` (``git show``) and as in this
checkout, each run ``--runs`` times with the parameters of a full build and of a new day
(``bench.queries.variants``: the as-of day as the changed day), alternating before/after, every
statement in a rolled-back transaction (``bench.queries.explain_file``), so the database is left
as it was. Reported: the median client wall time of each version and the ratio. The warehouse
must have the state both versions read (build it with this checkout: a missing state table
fails the older SQL only where it reads one the newer added).
"""

from __future__ import annotations

import argparse
import subprocess

from bench import common, queries, report


def _git_show(rev: str, path: str) -> str:
    out = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, text=True, cwd=common.ROOT)
    return out.stdout if out.returncode == 0 else ""


def sources(table: str, rev: str) -> tuple[str, str]:
    """(before, after) SQL of one table, as build_table runs it."""
    from ecom_assets.defs.analytics import assets

    spec = next(s for s in assets.TABLES if s.name == table)
    rel = "ecom_assets/defs/analytics/sql/"
    after = assets.functions_sql(spec) + assets.table_sql(spec)
    after += "".join((assets.SQL_DIR / f"{name}.sql").read_text(encoding="utf-8") for name in spec.after)
    before = "".join(_git_show(rev, f"{rel}{name}.sql") for name in spec.functions)
    before += _git_show(rev, f"{rel}{spec.template or spec.name}.sql").replace("{{group}}", spec.group or "")
    return before, after


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench sql_versions", description=__doc__.split("\n")[0])
    p.add_argument("--db", required=True, help="URL of a built warehouse")
    p.add_argument("--before", required=True, help="the commit to compare with")
    p.add_argument("--tables", required=True, help="comma-separated analytics tables")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-append", action="store_true")
    args = p.parse_args(argv)
    from ecom_assets.defs.resources import PostgresResource

    load_before = common.load()
    results = []
    with PostgresResource(database_url=args.db, application_name="ecom-bench").get_connection(
        autocommit=True
    ) as conn:
        conn.prepare_threshold = None
        for table in args.tables.split(","):
            before, after = sources(table, args.before)
            for variant, params in queries.variants(conn, (f"{table}.sql", after)):
                walls: dict[str, list[float]] = {"before": [], "after": []}
                for _ in range(args.runs):
                    for label, text in (("before", before), ("after", after)):
                        walls[label].append(queries.explain_file(conn, (f"{table}.sql", text), params)[1])
                results.append(
                    {"table": table, "variant": variant, **{f"{k}_ms": v for k, v in walls.items()}}
                )
    load_after = common.load()
    rows = []
    for r in results:
        b, a = common.median(r["before_ms"]), common.median(r["after_ms"])
        rows.append(
            [
                r["table"],
                r["variant"],
                f"{b:,.0f}",
                f"{a:,.0f}",
                f"{a / b:.2f}",
                common.fmt(r["before_ms"], 0),
                common.fmt(r["after_ms"], 0),
            ]
        )
    body = report.table(
        ["table", "variant", f"{args.before} ms", "this checkout ms", "ratio", "runs before", "runs after"],
        rows,
    )
    body += (
        f"\n\nMedian client wall time of the whole SQL (EXPLAIN ANALYZE of the data statements "
        f"included), {args.runs} runs each, alternating, rolled back. Load average before: {load_before}, "
        f"after: {load_after} (2 cores, shared)."
    )
    if args.no_append:
        print(body)
        return 0
    command = "python -m bench sql_versions " + " ".join(argv)
    report.append(
        f"Analytics SQL, {args.before} against this checkout", body, command,
        data={"before": args.before, "load_before": load_before, "load_after": load_after, "results": results},
    )  # fmt: skip
    return 0
