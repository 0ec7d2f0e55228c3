"""Staging load throughput against ``psql \\copy`` of the same CSV, in the same run.

    python -m bench staging [--rows 1000000] [--runs 3] [--url postgresql://...] [--import-rows N]

Target (issue 2): the staging load (parse, pandera validation, rejects, COPY, ledger) reaches at
least 70% of the rows/s that ``psql -c "\\copy ... csv header"`` reaches on the same file,
into a table with the same columns and indexes. The URL is an admin URL: the benchmark works
in a database of its own and drops it.
"""

import argparse
import datetime as dt
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

from bench import report
from ecom_assets.defs.raw import importer
from ecom_assets.defs.staging import ddl as staging_ddl
from ecom_assets.defs.staging import load as staging
from ecom_assets.lib import landing
from ecom_assets.lib.contracts import SOURCE_TABLES

DAY = dt.date(2025, 10, 1)


def orders_csv(path: Path, rows: int, seed: int = 7) -> None:
    """An orders export of ``rows`` clean rows on one day (money identities hold to the cent)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, rows + 1)
    cents = rng.integers(1_000, 200_000, rows)
    discount = (cents * rng.choice([0, 0, 0.05, 0.1], rows)).astype(np.int64)
    shipping = rng.choice([0, 499, 999], rows)
    tax = ((cents - discount) * 0.08).astype(np.int64)
    total = cents - discount + shipping + tax
    secs = rng.integers(0, 86_400, rows)

    def money(c: np.ndarray) -> pa.Array:
        return pa.array([f"{a // 100}.{a % 100:02d}" for a in c.tolist()])

    stamps = [f"{DAY.isoformat()} {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in secs.tolist()]
    table = pa.table(
        {
            "order_id": [f"ORD_{i:08d}" for i in ids.tolist()],
            "customer_id": [f"CUST_{i:06d}" for i in rng.integers(1, 250_000, rows).tolist()],
            "order_date": pa.array([DAY.isoformat()] * rows),
            "order_status": rng.choice(
                ["Completed", "Shipped", "Processing", "Cancelled", "Returned"], rows
            ).tolist(),
            "payment_method": rng.choice(["Credit Card", "PayPal", "Debit Card", "Apple Pay"], rows).tolist(),
            "subtotal": money(cents),
            "discount_amount": money(discount),
            "shipping_cost": money(shipping),
            "tax_amount": money(tax),
            "total_amount": money(total),
            "shipping_address": [f"{i % 9999} Main Street, Springfield" for i in ids.tolist()],
            "delivery_date": pa.array([(DAY + dt.timedelta(days=4)).isoformat()] * rows),
            "created_at": stamps,
            "updated_at": stamps,
        }
    )
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


def clickstream_csv(path: Path, rows: int, seed: int = 11) -> None:
    """A flat clickstream export of ``rows`` events over 395 days, in time order."""
    rng = np.random.default_rng(seed)
    secs = np.sort(rng.integers(0, 86_400 * 395, rows))
    stamps = np.char.replace(
        (np.datetime64("2025-10-01T00:00:00") + secs.astype("timedelta64[s]")).astype(str), "T", " "
    )

    def ids(prefix: str, k: int) -> pa.Array:
        return pa.array(np.char.add(prefix, rng.integers(0, k, rows).astype(str)))

    def pick(values: list[str]) -> pa.Array:
        return pa.array(rng.choice(values, rows))

    table = pa.table(
        {
            "event_id": pa.array(np.char.add("EVT_", np.arange(rows).astype(str))),
            "session_id": ids("SES_", max(rows // 5, 1)),
            "customer_id": ids("CUST_", 250_000),
            "product_id": ids("PROD_", 65_000),
            "event_type": pick(["page_view", "product_view", "search", "add_to_cart", "purchase"]),
            "page_url": pa.array(np.char.add("/products/", rng.integers(0, 65_000, rows).astype(str))),
            "referrer_url": pick(["https://google.com/search?q=shoes", "", "https://facebook.com/"]),
            "user_agent": pick(
                [
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",
                    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
                ]
            ),
            "device_type": pick(["Desktop", "Mobile", "Tablet"]),
            "browser": pick(["Chrome", "Safari", "Firefox"]),
            "ip_address": pa.array(np.char.add("10.0.0.", rng.integers(0, 255, rows).astype(str))),
            "country": pick(["US", "UK", "DE"]),
            "city": pick(["New York", "London", "Berlin"]),
            "timestamp": pa.array(stamps),
            "duration_seconds": pa.array(rng.integers(0, 600, rows).astype(str)),
            "created_at": pa.array(stamps),
        }
    )
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


def bench_import(rows: int, runs: int) -> None:
    """``ecom import`` of a clickstream export: rows/s of splitting it by day into landed month files."""
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export"
        export.mkdir()
        clickstream_csv(export / "clickstream.csv", rows)
        size = (export / "clickstream.csv").stat().st_size
        times, cpu = [], []
        for i in range(runs):
            c0 = time.process_time()
            times.append(
                _timed(
                    lambda i=i: importer.import_export(export, landing_root=Path(tmp) / f"l{i}" / "landing"),
                    lambda: None,
                )
            )
            cpu.append(time.process_time() - c0)
    med = float(np.median(times))
    body = report.table(
        ["rows", "MiB", "median s", "runs s", "process CPU s", "rows/s"],
        [[f"{rows:,}", f"{size / 2**20:.0f}", f"{med:.1f}", _fmt(times), _fmt(cpu), f"{rows / med:,.0f}"]],
    )
    body += (
        "\n\nOne flat clickstream.csv split into 395 landed days (13 month files) with provenance columns "
        f"(scale 100 = 7.5M events). Load average at the end {os.getloadavg()[0]:.1f}."
    )
    report.append("Import of a clickstream export (ecom import)", body)


def _db(admin_url: str) -> str:
    name = f"ecom_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(admin_url, dbname=name)


def _drop(admin_url: str, url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench staging")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--url",
        default=os.environ.get("ECOM_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres",
    )
    p.add_argument("--import-rows", type=int, default=0, help="also time `ecom import` of N clickstream rows")
    args = p.parse_args(argv)
    if args.import_rows:
        bench_import(args.import_rows, args.runs)
    if args.rows <= 0:
        return 0
    url = _db(args.url)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            export = Path(tmp) / "export"
            export.mkdir()
            path = export / "orders.csv"
            orders_csv(path, args.rows)
            size = path.stat().st_size
            root = Path(tmp) / "landing"  # landed as `ecom import` does (untimed): what staging reads
            importer.import_export(export, as_of=DAY, landing_root=root)
            days = landing.landed_files("orders", root)
            cols = SOURCE_TABLES["orders"].columns
            with psycopg.connect(url, autocommit=True) as conn:
                staging_ddl.ensure_staging_tables(conn)
                conn.execute("CREATE TABLE staging.orders_psql (LIKE staging.orders INCLUDING ALL)")
                for col, value in (
                    ("_day", "'2025-10-01'"),
                    ("_source_file", "'orders.csv'"),
                    ("_source_line", "0"),
                ):
                    conn.execute(f"ALTER TABLE staging.orders_psql ALTER COLUMN {col} SET DEFAULT {value}")

                def psql_reset() -> None:
                    conn.execute("TRUNCATE staging.orders_psql")

                def psql_copy() -> None:
                    cmd = f"\\copy staging.orders_psql ({', '.join(cols)}) FROM '{path}' csv header"
                    subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", cmd], check=True)

                def stage_reset() -> None:
                    conn.execute("TRUNCATE staging.orders, staging.orders_rejects")
                    conn.execute("DELETE FROM ops.staging_loads")

                def stage() -> None:
                    with conn.transaction():
                        stats = staging.load_days(conn, "orders", days)
                    assert stats.rows_staged == args.rows, stats

                # interleaved, so both methods see the same machine (others share these cores)
                psql_all, stage_all = [], []
                for _ in range(args.runs):
                    psql_all.append(_timed(psql_copy, psql_reset))
                    stage_all.append(_timed(stage, stage_reset))
        psql_s, stage_s = float(np.median(psql_all)), float(np.median(stage_all))
        psql_rate, stage_rate = args.rows / psql_s, args.rows / stage_s
        ratio = float(np.median([p / s for p, s in zip(psql_all, stage_all, strict=True)]))
        body = report.table(
            ["method", "rows", "median s", "runs s", "rows/s", "ratio"],
            [
                [
                    "psql \\copy (csv header)",
                    f"{args.rows:,}",
                    f"{psql_s:.2f}",
                    _fmt(psql_all),
                    f"{psql_rate:,.0f}",
                    "1.00",
                ],
                [
                    "staging.load_days (parse, vectorised contract rules, rejects, COPY)",
                    f"{args.rows:,}",
                    f"{stage_s:.2f}",
                    _fmt(stage_all),
                    f"{stage_rate:,.0f}",
                    f"{ratio:.2f}",
                ],
            ],
        )
        body += (
            f"\n\nOne orders day of {size / 2**20:.0f} MiB of CSV: `psql \\copy` of the CSV against the "
            "staging load of the same rows as `ecom import` landed them (Parquet), into tables with the same "
            "columns and indexes; runs interleaved, ratio = median of the per-pair ratios; "
            f"machine load average at the end {os.getloadavg()[0]:.1f}; target ratio >= 0.70."
        )
        report.append("Staging load vs psql \\copy (orders)", body)
    finally:
        _drop(args.url, url)
    return 0 if ratio >= 0.7 else 1


def _timed(fn: Callable[[], None], reset: Callable[[], None]) -> float:
    """Wall time of one ``fn`` call (``reset`` runs first, untimed)."""
    reset()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)
