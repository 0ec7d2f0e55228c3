"""Ingestion throughput against ``psql \\copy`` of the same export files, table by table.

    python -m bench ingest [--scale 10] [--runs 3] [--tables orders,customers] [--url postgresql://...]

For each table of a generated export: ``psql -c "\\copy ... csv header"`` of the export file into a
table with the staging table's columns and indexes, against our two steps, ``ecom import`` (the
tolerant CSV read, per-day split, Parquet landing) and the staging load (parse by the contract's
types, vectorised rules, rejects, COPY, ledger). Targets (issue 14): the staging load >= 0.8x the
rows/s of ``\\copy`` on the clean files, and import + load of a ``--messy`` export >= 0.7x the
``\\copy`` of the clean one (``\\copy`` cannot load a messy file at all: one bad line fails it).
Runs are interleaved so both sides see the same machine; ratio = median of per-run ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import time
from pathlib import Path

import psycopg
from psycopg import sql

from bench import common, report
from ecom_assets.defs.raw import importer
from ecom_assets.defs.staging import ddl as staging_ddl
from ecom_assets.defs.staging import load
from ecom_assets.lib import generator, landing, messy
from ecom_assets.lib.contracts import DAY_COLUMN, SOURCE_TABLES
from ecom_assets.lib.window import accepted

TABLES = ("orders", "order_items", "clickstream", "inventory", "customers", "products", "marketing_campaigns")


def _export(folder: Path, scale: float, seed: int, with_messy: bool) -> dt.date:
    """Generate the export (and give it the quirks of real ones); returns its last day."""
    made = generator.generate(folder, scale=scale, seed=seed, progress=False)
    if with_messy:
        print(messy.make_messy(folder, seed=seed))
    return made.end


def _psql_tables(conn: psycopg.Connection) -> None:
    for t, src in SOURCE_TABLES.items():
        target = sql.Identifier("staging", f"{t}_psql")
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
        conn.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(target, sql.Identifier("staging", t))
        )
        defaults = {"_source_file": "'export'", "_source_line": "0"}
        if src.is_event:
            defaults[DAY_COLUMN] = "'2025-10-01'"
        for col, value in defaults.items():
            conn.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT " + value).format(
                    target, sql.Identifier(col)
                )
            )


def _psql_copy(url: str, table: str, path: Path) -> float:
    header = path.open(encoding="utf-8").readline().strip()
    cmd = f"\\copy staging.{table}_psql ({header}) FROM '{path}' csv header"
    t0 = time.perf_counter()
    subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", cmd], check=True, capture_output=True)
    return time.perf_counter() - t0


def _import(export: Path, tables: tuple[str, ...], root: Path, as_of: dt.date) -> float:
    """Seconds of ``ecom import`` of just these tables' files (a folder of links to them)."""
    part = export.parent / f"{export.name}-only-{'-'.join(tables)}"
    part.mkdir(exist_ok=True)
    for t in tables:
        link = part / f"{t}.csv"
        if not link.exists():
            link.symlink_to(export / f"{t}.csv")
    t0 = time.perf_counter()
    importer.import_export(part, as_of=as_of, landing_root=root)
    return time.perf_counter() - t0


def _stage(conn: psycopg.Connection, table: str, root: Path, as_of: dt.date) -> tuple[float, load.LoadStats]:
    files = landing.landed_files(table, root)
    t0 = time.perf_counter()
    with conn.transaction():
        stats = load.load_days(conn, table, files, accepted(as_of))
    return time.perf_counter() - t0, stats


def _reset(conn: psycopg.Connection, table: str) -> None:
    conn.execute(sql.SQL("TRUNCATE {}, {}, {}").format(
        sql.Identifier("staging", table), sql.Identifier("staging", f"{table}_rejects"),
        sql.Identifier("staging", f"{table}_psql")))  # fmt: skip
    conn.execute("DELETE FROM ops.staging_loads WHERE table_name = %s", (table,))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench ingest")
    p.add_argument("--scale", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--tables", default=",".join(TABLES), help="comma-separated subset (default: all seven)")
    p.add_argument("--url", default=None, help="admin URL (default: ECOM_TEST_DATABASE_URL or local 5432)")
    args = p.parse_args(argv)
    tables = [t for t in TABLES if t in args.tables.split(",")]
    unknown = set(args.tables.split(",")) - set(TABLES)
    if unknown or not tables:
        p.error(f"unknown table(s): {', '.join(sorted(unknown)) or args.tables}")
    admin = common.admin_url(args.url)
    work = common.scratch("ingest")
    url = common.create_db(admin, "ecom_bench_ingest")
    try:
        clean, dirty = work / "clean", work / "messy"
        as_of = _export(clean, args.scale, args.seed, False)
        _export(dirty, args.scale, args.seed, True)
        rows: dict[str, dict] = {}
        with psycopg.connect(url, autocommit=True) as conn:
            staging_ddl.ensure_staging_tables(conn)
            _psql_tables(conn)
            for t in tables:
                need = ("orders", t) if t == "order_items" else (t,)
                runs = {"psql": [], "import": [], "load": [], "messy_import": [], "messy_load": []}
                for i in range(args.runs):
                    for kind, export in (("", clean), ("messy_", dirty)):
                        _reset(conn, t)
                        root = work / f"land-{kind}{t}-{i}" / "landing"
                        spent = _import(export, need, root, as_of)
                        if t == "order_items":  # the orders file is read too (items follow their order's day)
                            spent -= _import(
                                export, ("orders",), work / f"land-{kind}o-{i}" / "landing", as_of
                            )
                        seconds, stats = _stage(conn, t, root, as_of)
                        runs[f"{kind}import"].append(spent)
                        runs[f"{kind}load"].append(seconds)
                        if not kind:
                            runs["psql"].append(_psql_copy(url, t, clean / f"{t}.csv"))
                            lines = stats.rows_read
                        else:
                            rejected = stats.rows_rejected
                rows[t] = {"lines": lines, "messy_rejected": rejected, **runs}
    finally:
        common.drop_db(admin, url)
        common.rmtree(work)
    return _report(args, rows)


def _report(args: argparse.Namespace, rows: dict[str, dict]) -> int:
    med = statistics.median
    out, ok = [], True
    totals = {k: 0.0 for k in ("psql", "import", "load", "messy_import", "messy_load")}
    for t, r in rows.items():
        ratio_load = med(p / s for p, s in zip(r["psql"], r["load"], strict=True))
        ratio_all = med(p / (i + s) for p, i, s in zip(r["psql"], r["import"], r["load"], strict=True))
        ratio_messy = med(
            p / (i + s) for p, i, s in zip(r["psql"], r["messy_import"], r["messy_load"], strict=True)
        )
        for k in totals:
            totals[k] += med(r[k])
        ok &= ratio_load >= 0.8 and ratio_messy >= 0.7
        out.append([t, f"{r['lines']:,}", f"{med(r['psql']):.2f}", f"{med(r['import']):.2f}", f"{med(r['load']):.2f}",
                    f"{ratio_load:.2f}", f"{ratio_all:.2f}", f"{med(r['messy_import']) + med(r['messy_load']):.2f}",
                    f"{r['messy_rejected']:,}", f"{ratio_messy:.2f}"])  # fmt: skip
    t = totals
    out.append(["all", "", f"{t['psql']:.2f}", f"{t['import']:.2f}", f"{t['load']:.2f}",
                f"{t['psql'] / t['load']:.2f}", f"{t['psql'] / (t['import'] + t['load']):.2f}",
                f"{t['messy_import'] + t['messy_load']:.2f}", "", f"{t['psql'] / (t['messy_import'] + t['messy_load']):.2f}"])  # fmt: skip
    body = report.table(
        ["table", "lines", "\\copy s", "import s", "load s", "load ratio", "import+load ratio",
         "messy import+load s", "messy rejected", "messy ratio"],
        out,
    )  # fmt: skip
    body += (
        f"\n\nScale {args.scale:g} export (seed {args.seed}), medians of {args.runs} interleaved runs; "
        "ratio = rows/s of ours over rows/s of `psql \\copy` of the clean file (higher is better). "
        f"Targets: load ratio >= 0.8, messy ratio >= 0.7. Load average at the end {common.load()}."
    )
    report.append(
        f"Ingestion vs psql \\copy, scale {args.scale:g}",
        body,
        data={"scale": args.scale, "runs": args.runs, "tables": rows, "ok": ok},
    )
    return 0 if ok else 1
