"""DDL of the staging layer and its state in ``ops``, generated from the contracts.

The state this layer keeps in ``ops`` (``ops.staging_loads``, ``ops.run_context``,
``ops.staging_checks``) is created by ``sql/ops_state.sql`` alone; docs/DESIGN.md lists every
ops table, who writes and reads it, how it is rebuilt and how long its rows live.
"""

from __future__ import annotations

import hashlib
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


def _create(qualified: str, cols: list[tuple[str, str]]) -> sql.Composed:
    body = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in cols)
    return sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(postgres.table_identifier(qualified), body)


def staging_ddl(conn: psycopg.Connection) -> list[str]:
    """Every statement that creates the staging tables, their rejects tables and indexes (the ops
    tables: ``sql/ops_state.sql``)."""
    out: list[str] = []
    for table in SOURCE_TABLES.values():
        out.append(_create(f"staging.{table.name}", staging_columns(table)).as_string(conn))
        out.append(_create(f"staging.{table.name}_rejects", reject_columns(table)).as_string(conn))
        out.append(  # rejects tables made before problems were recorded
            sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS problems jsonb")
            .format(sql.Identifier("staging", f"{table.name}_rejects"))
            .as_string(conn)
        )
        index_columns = ([("day_idx", DAY_COLUMN)] if table.is_event else []) + [("key_idx", table.key)]
        for suffix, column in index_columns:
            out.append(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})")
                .format(
                    sql.Identifier(f"{table.name}_{suffix}"),
                    sql.Identifier("staging", table.name),
                    sql.Identifier(column),
                )
                .as_string(conn)
            )
    return out


def staging_tables() -> list[str]:
    return [f"staging.{t.name}{suffix}" for t in SOURCE_TABLES.values() for suffix in ("", "_rejects")]


# Serialises the staging DDL across runs side by side (the first applies it, the others find it applied).
DDL_LOCK = "staging.ddl"


def ensure_staging_tables(conn: psycopg.Connection) -> None:
    """Create the layer's ops tables, every staging table and its rejects table (idempotent), in the open transaction.

    The statements run only when a table is missing or they changed since they were last applied
    (their md5 is kept as the staging schema's comment). Every staging step calls this before its
    load, and even a no-op ``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` takes ACCESS EXCLUSIVE (a
    no-op ``CREATE INDEX IF NOT EXISTS``, SHARE) on its table before finding nothing to do: with
    months loading side by side (a run per month), one month's call waited for another month's load
    transaction holding ``ops.staging_loads`` and the rejects tables, every later load queued behind
    that waiting lock, and the waiter, already holding the rejects tables it had altered, deadlocked
    with a load that went on to write one of them. The same reason made ``ensure_warehouse`` version
    its schema.sql. The catalog reads below take no table lock.
    """
    postgres.ensure_schemas(conn)
    apply_state(conn, "staging", SQL)  # the layer's ops tables, versioned the same way (ops.state_ddl)
    statements = staging_ddl(conn)
    version = "staging ddl " + hashlib.md5("\n".join(statements).encode()).hexdigest()
    if _applied(conn, version):
        return
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (DDL_LOCK,))
    if _applied(conn, version):  # another run applied it while this one waited for the lock
        return
    for statement in statements:
        conn.execute(statement)
    conn.execute(sql.SQL("COMMENT ON SCHEMA staging IS {}").format(sql.Literal(version)))


def _applied(conn: psycopg.Connection, version: str) -> bool:
    comment, missing = conn.execute(
        "SELECT obj_description(to_regnamespace('staging'), 'pg_namespace'), "
        "count(*) FILTER (WHERE to_regclass(t) IS NULL) FROM unnest(%s::text[]) AS t",
        (staging_tables(),),
    ).fetchone()
    return comment == version and missing == 0


def set_as_of(conn: psycopg.Connection, as_of: object) -> None:
    """Record the as-of date in the caller's transaction; nothing is written when it is unchanged.

    Every staging load sets it inside its load transaction, and a written row stays locked until
    that transaction commits: months loading side by side (a run per month) each waited there for
    the month before to finish its contract check and commit. Reading first takes no row lock, so
    only the load that moves the date (the first one of a new day) writes it.
    """
    row = conn.execute("SELECT as_of FROM ops.run_context WHERE singleton").fetchone()
    if row is not None and row[0] == as_of:
        return
    conn.execute(
        "INSERT INTO ops.run_context (singleton, as_of) VALUES (true, %s) "
        "ON CONFLICT (singleton) DO UPDATE SET as_of = excluded.as_of",
        (as_of,),
    )
