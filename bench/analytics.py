"""Rebuild time of each analytics table (SQL + contract + checks, one transaction) on a built warehouse.

    python -m bench analytics --url postgresql://.../db [--runs 3]

The database must hold a loaded warehouse (e.g. after ``ecom demo``); the tables are rebuilt
in place, which leaves the same rows (the rebuild is idempotent).
"""

import argparse
import os

from bench import report
from ecom_assets.defs.analytics import assets
from ecom_assets.defs.resources import PostgresResource


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench analytics")
    p.add_argument("--url", default=os.environ.get("ECOM_DATABASE_URL"))
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    warehouse = PostgresResource(database_url=args.url)
    with warehouse.get_connection() as conn:
        orders = conn.execute("SELECT count(*) FROM warehouse.fact_orders").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM warehouse.fact_clickstream").fetchone()[0]
    rows, total = [], 0.0
    for spec in assets.TABLES:
        result = {}

        def build(spec: assets.TableSpec = spec, result: dict = result) -> None:
            result["r"] = assets.build_table(warehouse, spec)

        median, _ = report.median_of(build, args.runs)
        total += median
        n = result["r"].metadata["dagster/row_count"]
        rows.append((f"analytics.{spec.name}", f"{n:,}", f"{median:.3f}"))
    rows.append(("all eight", "", f"{total:.3f}"))
    report.append(
        f"Analytics rebuild ({orders:,} orders, {events:,} clickstream events)",
        report.table(["table", "rows", "median s (SQL + checks)"], rows),
        command=f"python -m bench analytics --runs {args.runs}",
    )
    return 0
