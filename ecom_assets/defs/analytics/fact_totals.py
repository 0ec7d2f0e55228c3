"""What the analytics tables must add up to: totals computed from the fact rows, kept per day.

The money checks (``checks.py``) compare each table with these totals, never with the analytics
tables or their state. To keep a new day's cost off the history, the totals are kept per fact
day in ``ops.fact_day_totals`` and recomputed only for the days the fact build ledger says were
rebuilt (or when the set of current customer/product keys changes); a warehouse without a
ledger gets the full scan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg

from ecom_assets.defs.analytics import incremental
from ecom_assets.lib import postgres

SQL_DIR = Path(__file__).parent / "sql"


@dataclass(frozen=True)
class FactTotals:
    """What the analytics tables must add up to (the columns of ``fact_totals.sql``), and how
    they were obtained: from the per-day cache (``days_recomputed`` of its days refreshed by this
    call) or by a full scan of the facts (no fact build ledger)."""

    totals: dict[str, Decimal]
    source: str
    days_recomputed: int | None = None

    def __getitem__(self, name: str) -> Decimal:
        return self.totals[name]


# the facts whose ledgered days the cache follows
CACHED_FACTS = ("fact_orders", "fact_order_items")
CACHE_TABLE = "ops.fact_day_totals"
CACHE_SOURCE = "fact day cache"
FULL_SCAN_SOURCE = "full scan (no fact build ledger)"


def row_dict(cur: psycopg.Cursor) -> dict[str, Decimal]:
    row = cur.fetchone()
    return {d.name: v for d, v in zip(cur.description, row, strict=True)}


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def full_scan_totals(conn: psycopg.Connection) -> dict[str, Decimal]:
    """The totals from every fact row (joined with the current dimensions)."""
    return row_dict(conn.execute(_sql("fact_totals.sql")))


def _one(conn: psycopg.Connection, query: str, params: object = None) -> object:
    return conn.execute(query, params).fetchone()[0]


def _ledgered(conn: psycopg.Connection) -> bool:
    """Both facts keep build ledger rows (a pipeline-built warehouse, not a hand-seeded one)."""
    if _one(conn, "SELECT to_regclass('ops.fact_builds')") is None:
        return False
    exists = "SELECT EXISTS (SELECT 1 FROM ops.fact_builds WHERE table_name = %s)"
    return all(_one(conn, exists, (f,)) for f in CACHED_FACTS)


def _stale_days(conn: psycopg.Connection, marker: str) -> list[tuple[dt.date, bool]] | None:
    """The cached days to recompute or drop, each with whether it is in the ledger (None: no
    cache table yet, i.e. every ledgered day)."""
    if _one(conn, "SELECT to_regclass(%s)", (CACHE_TABLE,)) is None:
        return None
    return [(r[0], r[1]) for r in conn.execute(_sql("fact_totals_stale.sql"), {"marker": marker}).fetchall()]


# the build fingerprints of the two dimensions (NULL unless both have one)
DIMS_LEDGER = """
SELECT (SELECT string_agg(table_name || ':' || source_fingerprint, ',' ORDER BY table_name)
        FROM ops.dim_builds WHERE table_name IN ('dim_customers', 'dim_products') HAVING count(*) = 2)
"""


def _key_set(conn: psycopg.Connection) -> tuple[str, str | None]:
    """The fingerprint of the current customer and product keys (fact_totals_marker.sql), and the
    dimension ledger to remember it with (None: nothing new to remember).

    It is computed, in one pass over the current dimension rows, unless the dimension build
    ledger is the one it was last computed with: a dimension's rows change in a build, which
    records a new ``ops.dim_builds`` fingerprint (the dimensions' counterpart of the fact ledger).
    Without that ledger it is computed every time."""
    ledger = None
    if _one(conn, "SELECT to_regclass('ops.dim_builds')") is not None:
        ledger = _one(conn, DIMS_LEDGER)
    if ledger is not None and _one(conn, "SELECT to_regclass('ops.fact_day_totals_keys')") is not None:
        row = conn.execute(
            "SELECT keys FROM ops.fact_day_totals_keys WHERE dims_ledger = %s", (ledger,)
        ).fetchone()
        if row is not None:
            return row[0], None
    keys = _one(conn, _sql("fact_totals_marker.sql"))
    # remembered only if no dimension build committed meanwhile (READ COMMITTED statements)
    return keys, ledger if ledger is not None and _one(conn, DIMS_LEDGER) == ledger else None


def fact_totals(conn: psycopg.Connection) -> FactTotals:
    """The facts' totals, computed independently of the analytics tables and their state.

    With a fact build ledger (``ops.fact_builds``) they are the sums of ``ops.fact_day_totals``,
    one row per ledgered day computed from that day's fact rows. Only stale days are recomputed:
    a day whose fact build id changed, appeared or disappeared, and every day when the marker
    changed (the cache's SQL, or the set of current customer/product keys that decides what is
    an unknown member; attribute changes do not count). The ledgers are the contract: a fact or
    dimension row changed without a new build in ``ops.fact_builds`` / ``ops.dim_builds`` is not
    seen (as by the incremental analytics builds). Parallel steps refresh under a transaction
    advisory lock taken only when the cache is stale (check, lock, re-check), in the caller's
    transaction, so the totals are those of the facts this transaction sees. Without a fact
    ledger (a hand-seeded warehouse): the full scan of ``fact_totals.sql``.
    """
    if not _ledgered(conn):
        return FactTotals(full_scan_totals(conn), FULL_SCAN_SOURCE)
    code = incremental.code_version(SQL_DIR / "fact_totals_cache.sql", SQL_DIR / "fact_totals_refresh.sql")
    keys, remember = _key_set(conn)  # remember: the dimension ledger the keys go with
    marker = f"{code}|{keys}"
    recomputed = 0
    if remember is not None or _stale_days(conn, marker) != []:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (CACHE_TABLE,))
        postgres.run_sql_file(conn, SQL_DIR / "fact_totals_cache.sql")
        stale = _stale_days(conn, marker)  # another step may have refreshed it meanwhile
        if stale:
            ledger_days = _one(
                conn,
                "SELECT count(DISTINCT day) FROM ops.fact_builds WHERE table_name = ANY(%s)",
                (list(CACHED_FACTS),),
            )
            # every ledgered day stale (first fill, marker change): scan the facts whole, not day by day
            every_day = sum(1 for _, ledgered in stale if ledgered) == ledger_days
            days = [day for day, _ in stale]
            params = {"days": days, "all": every_day, "marker": marker}
            postgres.run_sql_file(conn, SQL_DIR / "fact_totals_refresh.sql", params)
            recomputed = len(days)
        if remember is not None:
            conn.execute("DELETE FROM ops.fact_day_totals_keys")
            conn.execute(
                "INSERT INTO ops.fact_day_totals_keys (dims_ledger, keys) VALUES (%s, %s)", (remember, keys)
            )
    return FactTotals(row_dict(conn.execute(_sql("fact_totals_cached.sql"))), CACHE_SOURCE, recomputed)
