"""A 15-year history (180 monthly partitions per fact) backfills in one run on a stock PostgreSQL.

The server is one of this test's own, fresh from initdb: its lock table is the stock one
(max_locks_per_transaction 64 x max_connections 100 slots, shared by every session), which a
backfill that created every month partition in one transaction overran (the 1900 sentinel date of
issue 14 asked for 1,512 months). The run is ``ecom run`` in a process of its own, as a user
starts it, so the partitions start where the landed history starts.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from ecom_assets.lib import postgres

START = dt.date(2011, 1, 1)
MONTHS = 180


def _month(i: int) -> dt.date:
    return dt.date(START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1, 1)


def write_long_history(out: Path) -> None:
    """Two orders a month for 15 years, with their items, clicks and a stock snapshot."""
    out.mkdir(parents=True)
    since = f"{START} 00:00:00"

    def write(name: str, header: list[str], rows: list[list[str]]) -> None:
        with (out / f"{name}.csv").open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)

    write(
        "customers",
        ["customer_id", "email", "registration_date", "customer_segment", "updated_at"],
        [
            ["C1", "a@b.c", START.isoformat(), "Premium", since],
            ["C2", "b@c.d", START.isoformat(), "Budget", since],
        ],
    )
    write(
        "products",
        ["product_id", "product_name", "category", "cost_price", "selling_price", "updated_at"],
        [["P1", "Pen", "Office", "1.00", "2.50", since]],
    )
    write(
        "marketing_campaigns",
        ["campaign_id", "campaign_name", "channel", "start_date", "end_date", "budget", "updated_at"],
        [["K1", "Always on", "Email", START.isoformat(), "2030-12-31", "1000.00", since]],
    )
    orders, items, clicks, stock = [], [], [], []
    for m in range(MONTHS):
        first = _month(m)
        for k, day in enumerate((first, first + dt.timedelta(days=14))):
            oid = f"O{m:03d}{k}"
            orders.append(
                [oid, f"C{k + 1}", day.isoformat(), "Completed", "5.00", "0.00", "1.00", "0.40", "6.40"]
            )
            items.append([f"I{m:03d}{k}", oid, "P1", "2", "2.50", "5.00"])
            clicks.append(
                [
                    f"E{m:03d}{k}",
                    f"S{m}",
                    f"C{k + 1}",
                    "P1",
                    "product_view",
                    "/p?utm_campaign=K1",
                    f"{day} 09:00:00",
                ]
            )
        stock.append([f"V{m:03d}", "P1", "Main", "40", first.isoformat()])
    write(
        "orders",
        ["order_id", "customer_id", "order_date", "order_status", "subtotal", "discount_amount",
         "shipping_cost", "tax_amount", "total_amount"],
        orders,
    )  # fmt: skip
    write(
        "order_items",
        ["order_item_id", "order_id", "product_id", "quantity", "unit_price", "total_price"],
        items,
    )
    write(
        "clickstream",
        ["event_id", "session_id", "customer_id", "product_id", "event_type", "page_url", "timestamp"],
        clicks,
    )
    write(
        "inventory",
        ["inventory_id", "product_id", "warehouse_location", "current_stock", "snapshot_date"],
        stock,
    )


@pytest.mark.slow
def test_a_15_year_history_backfills_in_one_run_on_a_stock_postgresql(tmp_path: Path) -> None:
    pgdata = tmp_path / "stock-pg"
    url = postgres.embedded_url(pgdata, tcp=True)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            settings = dict(
                conn.execute(
                    "SELECT name, setting FROM pg_settings WHERE name IN "
                    "('max_locks_per_transaction', 'max_connections', 'max_prepared_transactions')"
                ).fetchall()
            )
            conn.execute("CREATE DATABASE history")
        assert settings == {
            "max_locks_per_transaction": "64",
            "max_connections": "100",
            "max_prepared_transactions": "0",
        }  # the stock lock table: 6,400 slots shared by every session
        write_long_history(tmp_path / "export")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DAGSTER_"))}
        env.update(
            ECOM_DATABASE_URL=psycopg.conninfo.make_conninfo(url, dbname="history"),
            ECOM_DATA_DIR=str(tmp_path / "data"),
        )
        cli = [sys.executable, "-m", "ecom_assets.cli"]
        imported = subprocess.run(
            [*cli, "import", str(tmp_path / "export")], env=env, capture_output=True, text=True, timeout=300
        )
        assert imported.returncode == 0, imported.stderr
        run = subprocess.run([*cli, "run"], env=env, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
        assert "checks: " in run.stdout and " 0 failed" in run.stdout, run.stdout[-4000:]
        with psycopg.connect(env["ECOM_DATABASE_URL"]) as conn:
            partitions = conn.execute(
                "SELECT count(*) FROM pg_inherits WHERE inhparent = 'warehouse.fact_orders'::regclass"
            ).fetchone()[0]
            orders, first, last = conn.execute(
                "SELECT count(*), min(order_date), max(order_date) FROM warehouse.fact_orders"
            ).fetchone()
            months = conn.execute("SELECT count(*) FROM analytics.monthly_sales").fetchone()[0]
        assert partitions == MONTHS
        assert (orders, first, last) == (2 * MONTHS, START, _month(MONTHS - 1) + dt.timedelta(days=14))
        assert months == MONTHS
    finally:
        postgres.embedded_stop(pgdata)
