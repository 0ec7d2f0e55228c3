"""How a full-history fact load is written: into the indexed partitions, or bare then indexed.

    python -m bench fact_load --db postgresql://.../built_warehouse [--fact fact_order_items] [--runs 1]

The database must hold staged rows and built dimensions (e.g. after ``ecom run`` of a scale-100
export). For every day staged, the fact's own SQL (``defs/warehouse/sql/<fact>.sql``) is run
three ways, each in a transaction that is rolled back (the warehouse is left as it was):

1. ``indexed, work_mem 4MB``: INSERT into the partitioned fact, every month partition attached
   with its indexes (what the pipeline did before ``ECOM_PG_WORK_MEM``);
2. ``indexed, work_mem 256MB``: the same with the pipeline's default ``work_mem``;
3. ``bare + indexes``: INSERT into a table without indexes, then CREATE INDEX for each of the
   fact's indexes: the cost of ``load_new_partition`` (bare table, then ATTACH PARTITION, which
   builds the missing indexes in one sorted pass).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import time

import psycopg
from psycopg import sql

from bench import common, report


def one(url: str, fact: str, mode: str, mem: str) -> dict[str, float]:
    from ecom_assets.defs.warehouse.common import SQL

    text = SQL.text(fact)
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("SET work_mem = {}").format(sql.Literal(mem)))
        conn.execute("SET maintenance_work_mem = '256MB'")
        days = [r[0] for r in conn.execute(
            "SELECT DISTINCT _day FROM staging.orders UNION SELECT DISTINCT _day FROM staging.clickstream "
            "UNION SELECT DISTINCT _day FROM staging.inventory ORDER BY 1").fetchall()]  # fmt: skip
        months = sorted({d.replace(day=1) for d in days})
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier("warehouse", fact)))
        t0 = time.perf_counter()
        if mode == "indexed":
            for m in months:
                conn.execute("SELECT warehouse.ensure_month_partition(%s, %s)", (fact, m))
            target = sql.Identifier("warehouse", fact)
            conn.execute(sql.SQL(text).format(target=target), {"days": days})
            out = {"insert": time.perf_counter() - t0, "indexes": 0.0}
        else:
            bare = sql.Identifier("warehouse", f"bench_{fact}")
            conn.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS)").format(
                bare, sql.Identifier("warehouse", fact)))  # fmt: skip
            conn.execute(sql.SQL(text).format(target=bare), {"days": days})
            t1 = time.perf_counter()
            defs = conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'warehouse' AND tablename = %s", (fact,)
            ).fetchall()
            for (d,) in defs:
                d = re.sub(r" ON (ONLY )?warehouse\.\S+ ", f" ON warehouse.bench_{fact} ", d)
                d = re.sub(r"INDEX (\S+) ON", lambda m: f"INDEX bench_{m.group(1)} ON", d)
                conn.execute(d)
            out = {"insert": t1 - t0, "indexes": time.perf_counter() - t1}
        out["rows"] = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier("warehouse", fact) if mode == "indexed" else bare)).fetchone()[0]  # fmt: skip
        conn.rollback()
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench fact_load", description=__doc__.split("\n")[0])
    p.add_argument("--db", default=os.environ.get("ECOM_DATABASE_URL"), help="a built warehouse")
    p.add_argument("--fact", default="fact_order_items")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--no-append", action="store_true", help="print only")
    args = p.parse_args(argv)
    rows = []
    for label, mode, mem in (
        ("indexed partitions, work_mem 4MB", "indexed", "4MB"),
        ("indexed partitions, work_mem 256MB", "indexed", "256MB"),
        ("bare table + CREATE INDEX (load_new_partition)", "bare", "256MB"),
    ):
        runs = [one(args.db, args.fact, mode, mem) for _ in range(args.runs)]
        total = [r["insert"] + r["indexes"] for r in runs]
        rows.append([label, f"{runs[0]['rows']:,}", f"{common.median([r['insert'] for r in runs]):.1f}",
                     f"{common.median([r['indexes'] for r in runs]):.1f}", f"**{common.median(total):.1f}**",
                     common.fmt(total), common.load()])  # fmt: skip
        print(rows[-1], flush=True)
    body = report.table(
        ["how", "rows", "INSERT s", "index build s", "total s (median)", "runs s", "load avg"], rows
    )
    body += (
        f"\n\n{dt.date.today()}: every staged day of `{args.fact}`, each way in a rolled-back transaction."
    )
    if args.no_append:
        print(body)
    else:
        report.append(f"Full-history fact load, indexed vs bare + index ({args.fact})", body)
    return 0
