"""The one way the package reads and runs its ``.sql`` files.

Every layer keeps its SQL in a folder beside its Python (``defs/<layer>/sql``, the dashboards'
page folders, the shared answers). ``SqlFiles(folder)`` is that folder:

- ``text(name)``: the file's text (``name`` with or without ``.sql``);
- ``md5(*names)``: the code version of the files (what the build ledgers store, so a change to
  the SQL rebuilds what it built);
- ``run(conn, name, params, **identifiers)``: every statement of the file in the open
  transaction, ``%(param)s`` placeholders bound from ``params`` and ``{placeholders}`` filled
  with ``psycopg.sql`` identifiers (never with text); returns the last statement's row count;
- ``rows`` / ``one`` / ``value``: the rows of a one-statement file, its first row as a dict,
  its first column of the first row.

The text is read on every call (a file is a few kB; tests point a module at a copied folder).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ecom_assets.lib import postgres

Params = Mapping[str, object] | None


class SqlFiles:
    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"SqlFiles({str(self.folder)!r})"

    def path(self, name: str) -> Path:
        return self.folder / (name if name.endswith(".sql") else f"{name}.sql")

    def names(self) -> list[str]:
        """The stems of the folder's ``.sql`` files, sorted."""
        return sorted(p.stem for p in self.folder.glob("*.sql"))

    def text(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")

    def md5(self, *names: str) -> str:
        """The md5 of the files' texts, in order (one file: the md5 of its text)."""
        return hashlib.md5("".join(self.text(n) for n in names).encode()).hexdigest()

    def statement(self, name: str, **identifiers: sql.Composable) -> sql.Composable:
        """A one-statement file, trailing ``;`` removed, ``{placeholders}`` filled."""
        text = sql.SQL(self.text(name).strip().rstrip(";"))
        return text.format(**identifiers) if identifiers else text

    def run(
        self, conn: psycopg.Connection, name: str, params: Params = None, **identifiers: sql.Composable
    ) -> int:
        """Run every statement of the file; returns the rows affected by the last one."""
        return run_text(conn, self.text(name), params, **identifiers)

    def rows(
        self, conn: psycopg.Connection, name: str, params: Params = None, **identifiers: sql.Composable
    ) -> list[tuple]:
        return conn.execute(self.statement(name, **identifiers), params).fetchall()

    def one(
        self, conn: psycopg.Connection, name: str, params: Params = None, **identifiers: sql.Composable
    ) -> dict[str, object]:
        """The first row as a dict (empty when there is none)."""
        with conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(self.statement(name, **identifiers), params).fetchone() or {}

    def value(
        self, conn: psycopg.Connection, name: str, params: Params = None, **identifiers: sql.Composable
    ) -> object:
        row = conn.execute(self.statement(name, **identifiers), params).fetchone()
        return None if row is None else row[0]


def run_text(
    conn: psycopg.Connection, text: str, params: Params = None, **identifiers: sql.Composable
) -> int:
    """Run every statement of a SQL script (a template filled in by its caller, e.g.)."""
    rowcount = 0
    for statement in postgres.split_sql(text):
        query = sql.SQL(statement).format(**identifiers) if identifiers else statement
        rowcount = conn.execute(query, params).rowcount
    return rowcount


# ---------------------------------------------------------------- state DDL, applied once

# What each layer's state DDL file (``ops_state.sql``) was last applied as: its md5. Kept in ops
# itself, so a fresh database applies every file, and a changed file is applied again once.
STATE_DDL = """
CREATE TABLE IF NOT EXISTS ops.state_ddl (
    layer   text PRIMARY KEY,
    md5     text NOT NULL
)
"""
_CREATED = re.compile(
    r"^\s*CREATE\s+(?:UNLOGGED\s+)?(?:TABLE|SEQUENCE)\s+IF\s+NOT\s+EXISTS\s+([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)",
    re.IGNORECASE | re.MULTILINE,
)


def created_by(text: str) -> list[str]:
    """The ``schema.name`` of every table and sequence a DDL script creates (IF NOT EXISTS)."""
    return [m.lower() for m in _CREATED.findall(text)]


def apply_state(conn: psycopg.Connection, layer: str, files: SqlFiles, name: str = "ops_state") -> list[str]:
    """Apply a layer's idempotent DDL unless it is current: the md5 recorded in ``ops.state_ddl``
    is the file's and every table it creates exists. Returns the tables that were missing (and
    are now created, empty), so the layer can treat what they held as lost.

    Why not run it every time: ``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` takes an ACCESS
    EXCLUSIVE lock and ``CREATE INDEX IF NOT EXISTS`` a SHARE lock even when there is nothing to
    do, which would queue a build behind another one writing the same state. The check is lock-free
    (``to_regclass``); the apply runs under a transaction advisory lock per layer, in the caller's
    transaction (commit soon after: the locks it took last until then).
    """
    text = files.text(name)
    version = hashlib.md5(text.encode()).hexdigest()
    tables = created_by(text)

    def missing() -> list[str]:
        rows = conn.execute("SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NULL", (tables,))
        return [r[0] for r in rows.fetchall()]

    def current() -> bool:
        if conn.execute("SELECT to_regclass('ops.state_ddl')").fetchone()[0] is None:
            return False
        row = conn.execute("SELECT md5 FROM ops.state_ddl WHERE layer = %s", (layer,)).fetchone()
        return row is not None and row[0] == version and not missing()

    # three statements when current: the state table, its row, the tables (one query)

    if current():
        return []
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"ops.state_ddl:{layer}",))
    conn.execute("CREATE SCHEMA IF NOT EXISTS ops")
    conn.execute(STATE_DDL)
    if current():  # applied meanwhile by another step
        return []
    lost = missing()
    run_text(conn, text)
    conn.execute(
        "INSERT INTO ops.state_ddl (layer, md5) VALUES (%s, %s) "
        "ON CONFLICT (layer) DO UPDATE SET md5 = excluded.md5",
        (layer, version),
    )
    return lost
