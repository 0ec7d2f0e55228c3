"""What the warehouse assets share: their SQL files (``SQL``), the schema's DDL, the group and owners."""

from pathlib import Path

import psycopg
from psycopg import sql

from ecom_assets.defs.catalog import OWNERS  # noqa: F401 - the warehouse assets import it from here
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.staging import ddl as staging_ddl
from ecom_assets.lib.sql_files import SqlFiles, apply_state

SQL_DIR = Path(__file__).parent / "sql"
SQL = SqlFiles(SQL_DIR)
GROUP = "warehouse"
# Serialises the idempotent DDL of schema.sql across assets running side by side.
SCHEMA_LOCK_ID = 7_315_042


def ensure_warehouse(warehouse: PostgresResource) -> None:
    """Create the staging tables (if the staging layer has not), the warehouse schema and the
    layer's state in ops (``sql/ops_state.sql``).

    schema.sql runs only when it changed (its md5 is kept as the schema's comment): even a
    no-op ``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` takes an ACCESS EXCLUSIVE lock, which
    deadlocked with a fact build of another month reading the same tables.
    """
    version = "schema.sql " + SQL.md5("schema.sql")
    with warehouse.get_connection() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_ID,))
        exists = conn.execute(
            "SELECT to_regclass('ops.staging_loads') IS NOT NULL "
            "AND to_regclass('staging.orders') IS NOT NULL"
        ).fetchone()[0]
        if not exists:
            staging_ddl.ensure_staging_tables(conn)
        applied = conn.execute(
            "SELECT obj_description(to_regnamespace('warehouse'), 'pg_namespace')"
        ).fetchone()[0]
        if applied != version:
            SQL.run(conn, "schema.sql")
            conn.execute(sql.SQL("COMMENT ON SCHEMA warehouse IS {}").format(sql.Literal(version)))
        forget_lost_state(conn, apply_state(conn, "warehouse", SQL))


def forget_lost_state(conn: psycopg.Connection, lost: list[str]) -> None:
    """What a lost ledger means for the others (``lost``: the state tables just created anew).

    - ``ops.dim_changes``: the changes the fact days had not seen yet are gone, and the new log
      numbers from 1 again: every fact day is rebuilt (its ledger rows go), and customer_metrics
      compares every dimension row once (its last-seen change goes).
    - ``ops.fact_build_seq``: build ids start above every id still recorded, so a rebuilt day
      never gets the id a reader saw for it before.
    A lost ``ops.fact_builds`` or ``ops.dim_builds`` needs nothing: every day / dimension is
    then unledgered and rebuilt by the next run.
    """
    if "ops.dim_changes" in lost and "ops.fact_builds" not in lost:
        conn.execute("DELETE FROM ops.fact_builds")
    if (
        "ops.dim_changes" in lost
        and conn.execute("SELECT to_regclass('ops.customer_rows_seen')").fetchone()[0]
    ):
        conn.execute("DELETE FROM ops.customer_rows_seen")
    if "ops.fact_build_seq" in lost:
        seen = "0"
        if conn.execute("SELECT to_regclass('ops.analytics_seen')").fetchone()[0] is not None:
            seen = "(SELECT coalesce(max(build_id), 0) FROM ops.analytics_seen)"
        conn.execute(
            sql.SQL(
                "SELECT setval('ops.fact_build_seq', greatest(1, {}, (SELECT coalesce(max(build_id), 0) "
                "FROM ops.fact_builds)))"
            ).format(sql.SQL(seen))
        )
