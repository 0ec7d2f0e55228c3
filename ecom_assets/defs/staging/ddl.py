"""DDL of the staging layer and its state in ``ops``, generated from the contracts.

The state this layer keeps in ``ops`` (``ops.staging_loads``, ``ops.run_context``,
``ops.staging_checks``) is created by ``sql/ops_state.sql`` alone; docs/DESIGN.md lists every
ops table, who writes and reads it, how it is rebuilt and how long its rows live.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from ecom_assets.lib import postgres
from ecom_assets.lib.contracts import DAY_COLUMN, SOURCE_TABLES, SourceTable, column_ddl
from ecom_assets.lib.sql_files import SqlFiles, apply_state

# One row per rejected line: the first column at fault and its value, every rule it broke (each
# once, "; "-joined), each problem with its column, value and class (jsonb), and the line itself.
REJECT_COLUMNS: list[tuple[str, str]] = [
    ("source_file", "text NOT NULL"),
    ("source_line", "bigint NOT NULL"),
    ("column_name", "text"),
    ("value", "text"),
    ("rule", "text NOT NULL"),
    ("problems", "jsonb"),
    ("raw_record", "text"),
]

SQL = SqlFiles(Path(__file__).parent / "sql")


def staging_columns(table: SourceTable) -> list[tuple[str, str]]:
    """Columns of ``staging.<table>``: the contract's, then provenance, then the day (event tables)."""
    cols = column_ddl(table) + [("_source_file", "text NOT NULL"), ("_source_line", "bigint NOT NULL")]
    if table.is_event:
        cols.append((DAY_COLUMN, "date NOT NULL"))
    return cols


def reject_columns(table: SourceTable) -> list[tuple[str, str]]:
    cols = list(REJECT_COLUMNS)
    if table.is_event:
        cols.insert(0, (DAY_COLUMN, "date NOT NULL"))
    return cols


def _create(conn: psycopg.Connection, qualified: str, cols: list[tuple[str, str]]) -> None:
    body = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in cols)
    conn.execute(
        sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(postgres.table_identifier(qualified), body)
    )


def ensure_staging_tables(conn: psycopg.Connection) -> None:
    """Create every staging table, its rejects table and the ops tables (idempotent)."""
    postgres.ensure_schemas(conn)
    apply_state(conn, "staging", SQL)
    for table in SOURCE_TABLES.values():
        _create(conn, f"staging.{table.name}", staging_columns(table))
        _create(conn, f"staging.{table.name}_rejects", reject_columns(table))
        conn.execute(  # rejects tables made before problems were recorded
            sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS problems jsonb").format(
                sql.Identifier("staging", f"{table.name}_rejects")
            )
        )
        if table.is_event:
            conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                    sql.Identifier(f"{table.name}_day_idx"),
                    sql.Identifier("staging", table.name),
                    sql.Identifier(DAY_COLUMN),
                )
            )
        conn.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                sql.Identifier(f"{table.name}_key_idx"),
                sql.Identifier("staging", table.name),
                sql.Identifier(table.key),
            )
        )


def set_as_of(conn: psycopg.Connection, as_of: object) -> None:
    conn.execute(
        "INSERT INTO ops.run_context (singleton, as_of) VALUES (true, %s) "
        "ON CONFLICT (singleton) DO UPDATE SET as_of = excluded.as_of",
        (as_of,),
    )
