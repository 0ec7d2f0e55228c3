"""Build time of each analytics table (SQL + contract + checks, one transaction) on a built warehouse.

    python -m bench analytics --url postgresql://.../db [--runs 3] [--no-append]

The database must hold a loaded warehouse (e.g. after ``ecom demo``). Each table is built in
place with ``assets.build_table``, ``--runs`` times per variant, one table after the other:

- ``full rebuild``: ``full_refresh=True`` (the first build, changed SQL, a dimension move): the
  table and its state in ops rebuilt from the facts;
- ``no change``: the incremental build when no fact day changed since its last build (what every
  run but the first would time without the bump below);
- ``one changed day``: before each run (untimed) the build id of every fact's as-of day is
  bumped in ``ops.fact_builds`` (``nextval('ops.fact_build_seq')``), as the warehouse does when
  it rebuilds that day; the fact rows are the same, so the table comes out identical, and the
  incremental path recomputes what that day reaches for real (campaign_attribution: the day and
  the 6 after it). This is the daily run's cost of a table.

daily_sales and monthly_sales take new_customers from ops.customer_totals only when
customer_metrics has seen the same fact builds; before their timed incremental runs
customer_metrics is brought up to date (untimed), as when it runs first in the daily run.
segment_metrics reads no facts: every build rebuilds it whole.

Each run's metadata must show the variant it stands for (full / incremental with 0 / >= 1
changed days) or the benchmark stops; each table's rows are compared (count and an order-free
hash) with the rows before its runs. At the end the original build ids of the as-of day are put
back and every table is built once more incrementally (untimed), so the warehouse, the ops state
and the tables are as the pipeline left them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import dagster as dg

from bench import common, report
from ecom_assets.defs.analytics import assets
from ecom_assets.defs.resources import PostgresResource

# Tables whose incremental SQL reads another table's state when that one is up to date.
READS_STATE_OF = {"daily_sales": "customer_metrics", "monthly_sales": "customer_metrics"}
SPECS = {spec.name: spec for spec in assets.TABLES}


def fingerprint(warehouse: PostgresResource, table: str) -> tuple[int, int]:
    """Row count and an order-free sum of row hashes of ``analytics.<table>``."""
    with warehouse.get_connection() as conn:
        return conn.execute(
            f"SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) FROM analytics.{table} t"  # noqa: S608 - spec names
        ).fetchone()


def bump(warehouse: PostgresResource, as_of: dt.date) -> int:
    """Give every fact's as-of day a new build id (its rows unchanged); returns the rows bumped."""
    with warehouse.get_connection() as conn:
        return conn.execute(
            "UPDATE ops.fact_builds SET build_id = nextval('ops.fact_build_seq') WHERE day = %s", (as_of,)
        ).rowcount


def build(
    warehouse: PostgresResource, spec: assets.TableSpec, full_refresh: bool = False
) -> dg.MaterializeResult:
    result = assets.build_table(warehouse, spec, full_refresh)
    failed = [c.check_name for c in result.check_results or [] if not c.passed]
    if failed:
        raise SystemExit(f"analytics.{spec.name}: checks failed: {', '.join(failed)}")
    return result


def expect(spec: assets.TableSpec, result: dg.MaterializeResult, variant: str) -> dict:
    """The run's metadata, after checking that the build took the path the variant stands for."""
    md = result.metadata or {}
    if spec.facts:
        build_kind, n = md.get("build"), md.get("changed_fact_days")
        ok = {
            "full": build_kind == "full",
            "noop": build_kind == "incremental" and n == 0,
            "day": build_kind == "incremental" and isinstance(n, int) and n >= 1,
        }[variant]
        if not ok:
            raise SystemExit(
                f"analytics.{spec.name}: a {variant!r} run built {build_kind} with {n} changed days "
                f"({md.get('build_reason')}): the benchmark would not time what it says"
            )
    return md


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def measure(warehouse: PostgresResource, spec: assets.TableSpec, as_of: dt.date, runs: int) -> dict:
    before = fingerprint(warehouse, spec.name)
    helper = SPECS.get(READS_STATE_OF.get(spec.name, ""))

    def sync() -> None:
        if helper is not None:
            build(warehouse, helper)

    out: dict = {"full": [], "noop": [], "day": []}
    for _ in range(runs):
        seconds, result = timed(lambda: build(warehouse, spec, full_refresh=True))
        expect(spec, result, "full")
        out["full"].append(seconds)
    sync()
    for _ in range(runs):
        seconds, result = timed(lambda: build(warehouse, spec))
        expect(spec, result, "noop")
        out["noop"].append(seconds)
    for _ in range(runs):
        if not bump(warehouse, as_of):
            raise SystemExit(f"ops.fact_builds has no fact day {as_of} (the as-of date) to bump")
        sync()
        seconds, result = timed(lambda: build(warehouse, spec))
        md = expect(spec, result, "day")
        out["day"].append(seconds)
    after = fingerprint(warehouse, spec.name)
    out["rows"] = after[0]
    out["identical"] = after == before
    out["changed"] = (
        f"{md.get('changed_fact_days')} ({md.get('changed_months')})"
        + (f", each reaching the {spec.reach} days after" if spec.reach else "")
        if spec.facts
        else "- (whole every build)"
    )
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench analytics", description=__doc__.split("\n")[0])
    p.add_argument("--url", "--db", default=os.environ.get("ECOM_DATABASE_URL"), help="the built warehouse")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-append", action="store_true", help="print only: no result file, no page")
    args = p.parse_args(argv)
    warehouse = PostgresResource(database_url=args.url, application_name="ecom-bench")
    with warehouse.get_connection() as conn:
        as_of = assets.require_as_of(conn)
        orders = conn.execute("SELECT count(*) FROM warehouse.fact_orders").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM warehouse.fact_clickstream").fetchone()[0]
        saved = conn.execute(
            "SELECT table_name, build_id FROM ops.fact_builds WHERE day = %s ORDER BY 1", (as_of,)
        ).fetchall()
    if not saved:
        raise SystemExit(f"ops.fact_builds has no fact day {as_of} (the as-of date): run the pipeline first")
    # untimed: bring every table and its state up to date (e.g. after a change to its SQL)
    for spec in assets.TABLES:
        build(warehouse, spec)
    results = {}
    try:
        for spec in assets.TABLES:
            results[spec.name] = measure(warehouse, spec, as_of, args.runs)
            print(f"analytics.{spec.name}: done", flush=True)
    finally:
        with warehouse.get_connection() as conn:
            for table, build_id in saved:
                conn.execute(
                    "UPDATE ops.fact_builds SET build_id = %s WHERE table_name = %s AND day = %s",
                    (build_id, table, as_of),
                )
        for spec in assets.TABLES:
            build(warehouse, spec)
    rows = []
    totals = {"full": 0.0, "noop": 0.0, "day": 0.0}
    for name, r in results.items():
        medians = {k: common.median(r[k]) for k in totals}
        for k in totals:
            totals[k] += medians[k]
        rows.append(
            (
                f"analytics.{name}",
                f"{r['rows']:,}",
                f"{medians['full']:.3f}",
                f"{medians['noop']:.3f}",
                f"{medians['day']:.3f}",
                r["changed"],
                "yes" if r["identical"] else "**no**",
                f"{common.fmt(r['full'], 3)} / {common.fmt(r['noop'], 3)} / {common.fmt(r['day'], 3)}",
            )
        )
    rows.append(
        (
            f"all {len(results)}",
            "",
            f"{totals['full']:.3f}",
            f"{totals['noop']:.3f}",
            f"{totals['day']:.3f}",
            "",
            "",
            "",
        )
    )
    body = report.table(
        [
            "table",
            "rows",
            "full rebuild median s",
            "incremental, no change median s",
            "incremental, one changed day median s",
            "changed fact days (months)",
            "rows identical after",
            "runs s (full / no change / changed day)",
        ],
        rows,
    )
    body += (
        f"\n\nAs-of {as_of}; {args.runs} runs per variant, each one build_table call (SQL, reading the table "
        "back, contract and asset checks, one transaction). One changed day: the as-of day's build id bumped "
        f"in ops.fact_builds for {', '.join(t for t, _ in saved)} before each run (untimed), the fact rows "
        "unchanged; daily_sales and monthly_sales get customer_metrics' state brought up to date first "
        "(untimed). Rows identical: count and row hashes after the runs equal those before. "
        f"Load average after: {common.load()}."
    )
    if args.no_append:
        print(body)
    else:
        report.append(
            f"Analytics build per table: full, no change, one changed day ({orders:,} orders, {events:,} clickstream events)",
            body,
            command=f"python -m bench analytics --runs {args.runs}",
        )
    return 0
