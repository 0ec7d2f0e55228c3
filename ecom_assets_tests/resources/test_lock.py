"""The advisory lock keeps two writers of the same partition apart, and only those."""

import datetime as dt
import threading

import dagster as dg
import psycopg

from ecom_assets.defs.resources import PostgresResource, partition_lock_names


def _try_lock(url: str, name: str) -> bool:
    with psycopg.connect(url) as other:
        got = other.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", (name,)).fetchone()[0]
        other.rollback()
        return got


def test_lock_is_held_until_the_transaction_ends(db_url: str) -> None:
    res = PostgresResource(database_url=db_url)
    with res.get_connection() as conn:
        res.lock(conn, "warehouse/fact_orders:2026-11-01")
        assert not _try_lock(db_url, "warehouse/fact_orders:2026-11-01")
        assert _try_lock(db_url, "warehouse/fact_orders:2026-10-01")
    assert _try_lock(db_url, "warehouse/fact_orders:2026-11-01")


def test_partition_lock_names_one_per_month_of_the_window() -> None:
    window = dg.TimeWindow(dt.datetime(2025, 12, 1, tzinfo=dt.UTC), dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    names = partition_lock_names(dg.AssetKey(["warehouse", "fact_orders"]), window)
    assert names == ["warehouse/fact_orders:2025-12-01", "warehouse/fact_orders:2026-01-01"]


def test_concurrent_read_modify_write_loses_nothing_under_the_lock(db_url: str) -> None:
    """Eight writers each add 1 by read-then-write; without the lock some updates would be lost."""
    res = PostgresResource(database_url=db_url)
    with res.get_connection() as conn:
        conn.execute("DROP TABLE IF EXISTS lock_counter")
        conn.execute("CREATE TABLE lock_counter (n int)")
        conn.execute("INSERT INTO lock_counter VALUES (0)")

    def writer() -> None:
        with res.get_connection() as conn:
            res.lock(conn, "lock_counter:2026-11-01")
            n = conn.execute("SELECT n FROM lock_counter").fetchone()[0]
            conn.execute("SELECT pg_sleep(0.05)")
            conn.execute("UPDATE lock_counter SET n = %s", (n + 1,))

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with psycopg.connect(db_url) as c:
        assert c.execute("SELECT n FROM lock_counter").fetchone()[0] == 8
