"""What the warehouse assets share: their SQL files, the schema's DDL, the group and owners."""

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ecom_assets.defs.catalog import OWNERS  # noqa: F401 - the warehouse assets import it from here
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.staging import ddl as staging_ddl
from ecom_assets.lib import postgres

SQL_DIR = Path(__file__).parent / "sql"
GROUP = "warehouse"
# Serialises the idempotent DDL of schema.sql across assets running side by side.
SCHEMA_LOCK_ID = 7_315_042


@cache
def sql_text(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def run_statements(
    conn: psycopg.Connection,
    name: str,
    params: Mapping[str, object] | None = None,
    **identifiers: sql.Composable,
) -> int:
    """Run every statement of ``sql/<name>``, ``{placeholders}`` filled with ``identifiers``.

    Returns the rows affected by the last statement.
    """
    rowcount = 0
    for statement in postgres.split_sql(sql_text(name)):
        query = sql.SQL(statement).format(**identifiers) if identifiers else statement
        rowcount = conn.execute(query, params).rowcount
    return rowcount


def fetch_one(
    conn: psycopg.Connection,
    name: str,
    params: Mapping[str, object] | None = None,
    **identifiers: sql.Composable,
) -> dict[str, object]:
    query = sql.SQL(sql_text(name)).format(**identifiers) if identifiers else sql_text(name)
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, params).fetchone() or {}


def ensure_warehouse(warehouse: PostgresResource) -> None:
    """Create the staging tables (if the staging layer has not) and the warehouse schema.

    schema.sql runs only when it changed (its md5 is kept as the schema's comment): even a
    no-op ``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` takes an ACCESS EXCLUSIVE lock, which
    deadlocked with a fact build of another month reading the same tables.
    """
    version = "schema.sql " + hashlib.md5(sql_text("schema.sql").encode()).hexdigest()
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
            postgres.run_sql_file(conn, SQL_DIR / "schema.sql")
            conn.execute(sql.SQL("COMMENT ON SCHEMA warehouse IS {}").format(sql.Literal(version)))
