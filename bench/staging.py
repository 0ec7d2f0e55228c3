"""Staging load throughput against ``psql \\copy`` of the same CSV, in the same run.

    python -m bench staging [--rows 1000000] [--runs 3] [--url postgresql://...]

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
from ecom_assets.lib import staging, staging_ddl
from ecom_assets.lib.contracts import SOURCE_TABLES

DAY = dt.date(2025, 10, 1)


def orders_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A landed orders day file of ``rows`` clean rows (money identities hold to the cent)."""
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
            "_source_file": pa.array(["orders.csv"] * rows),
            "_source_line": pa.array(ids + 1),
        }
    )
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


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
    args = p.parse_args(argv)
    url = _db(args.url)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "orders"
            folder.mkdir()
            path = folder / f"{DAY.isoformat()}.csv"
            orders_csv(path, args.rows)
            size = path.stat().st_size
            cols = SOURCE_TABLES["orders"].columns + ["_source_file", "_source_line"]
            with psycopg.connect(url, autocommit=True) as conn:
                staging_ddl.ensure_staging_tables(conn)
                conn.execute("CREATE TABLE staging.orders_psql (LIKE staging.orders INCLUDING ALL)")
                conn.execute("ALTER TABLE staging.orders_psql ALTER COLUMN _day SET DEFAULT '2025-10-01'")

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
                        stats = staging.load_days(conn, "orders", {DAY: path})
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
                    "staging.load_days (parse + pandera + COPY)",
                    f"{args.rows:,}",
                    f"{stage_s:.2f}",
                    _fmt(stage_all),
                    f"{stage_rate:,.0f}",
                    f"{ratio:.2f}",
                ],
            ],
        )
        body += (
            f"\n\nOne landed orders day file of {size / 2**20:.0f} MiB, into tables with the same "
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
