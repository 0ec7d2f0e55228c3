"""The read-only role BI tools log in as: it reads schema ``bi`` and nothing else.

USAGE on ``bi`` and SELECT on its views; no access to ``staging``, ``ops``, ``raw``,
``warehouse``, ``analytics`` or tables in ``public``; no CREATE on any schema or the database;
read-only transactions by default. The ``bi`` views are owned by the pipeline's user, so they
read the private schemas with its rights while the role itself cannot.

The password comes from ``ECOM_BI_PASSWORD`` and goes to PostgreSQL as a literal inside the
statement (roles take no bind parameters); it never reaches logs or metadata. Without a password
the role is created NOLOGIN, ready for an administrator to set one. In the Compose deployment the
stack creates the role itself (``docker/bi/bi-role.sh``, as the superuser) and the pipeline,
which may not manage roles there, only grants it the views.
"""

from __future__ import annotations

import os
import re

import psycopg
from psycopg import sql

ENV_BI_USER = "ECOM_BI_USER"
ENV_BI_PASSWORD = "ECOM_BI_PASSWORD"
DEFAULT_BI_USER = "ecom_bi"
BI_SCHEMA = "bi"
PRIVATE_SCHEMAS = ("analytics", "warehouse", "staging", "ops", "raw", "public")
ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
# The role's session defaults: read-only transactions, and no JIT compilation (a BI query is
# short; at scale 100 the planner's cost of a query over the facts passes jit_above_cost and
# compiling took 20-100 ms of a query's time). docker/bi/bi-role.sh sets the same.
ROLE_SETTINGS = {"default_transaction_read_only": "on", "jit": "off"}


def bi_user() -> str:
    return os.environ.get(ENV_BI_USER) or DEFAULT_BI_USER


def can_manage_roles(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    return bool(row and row[0])


def ensure_role(conn: psycopg.Connection, role: str, password: str | None) -> str:
    """Create or update the BI role; returns what was done (without the password).

    Without a password an existing role keeps its login and password: an administrator may
    have set them by hand, and a run without the variable must not lock the BI tool out.
    """
    ident = sql.Identifier(role)
    row = conn.execute(
        "SELECT rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = %s", (role,)
    ).fetchone()
    exists = row is not None
    # superuser/replication attributes may only be named by a superuser, even to deny them; a
    # new role has none of them, and the caller refuses an existing superuser. Since PostgreSQL
    # 16 the same holds for CREATEDB/CREATEROLE and a CREATEROLE user without them: each is
    # denied by name only when the role has it (a new role has neither).
    denied = [sql.SQL("NOINHERIT")]
    if row is not None and row[1]:
        denied.insert(0, sql.SQL("NOCREATEROLE"))
    if row is not None and row[0]:
        denied.insert(0, sql.SQL("NOCREATEDB"))
    limits = sql.SQL(" ").join(denied)
    if password:
        verb = sql.SQL("ALTER ROLE") if exists else sql.SQL("CREATE ROLE")
        conn.execute(sql.SQL("{} {} LOGIN PASSWORD {} {}").format(verb, ident, sql.Literal(password), limits))
        state = ("updated" if exists else "created") + " with LOGIN"
    elif exists:
        conn.execute(sql.SQL("ALTER ROLE {} {}").format(ident, limits))
        state = f"exists; login and password left as they are ({ENV_BI_PASSWORD} not set)"
    else:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN {}").format(ident, limits))
        state = f"created NOLOGIN (set {ENV_BI_PASSWORD} and re-run to allow logins)"
    for name, value in ROLE_SETTINGS.items():
        conn.execute(
            sql.SQL("ALTER ROLE {} SET {} = {}").format(ident, sql.Identifier(name), sql.Literal(value))
        )
    return state


def grant_read_only(conn: psycopg.Connection, role: str) -> None:
    """USAGE on ``bi`` and SELECT on its views; nothing else, and no CREATE anywhere.

    The default privileges make a view the pipeline's user adds to ``bi`` later readable at
    once, before the next grant."""
    ident = sql.Identifier(role)
    dbname = conn.execute("SELECT current_database()").fetchone()[0]
    db = sql.Identifier(dbname)
    conn.execute(sql.SQL("REVOKE CREATE ON DATABASE {} FROM {}").format(db, ident))
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, ident))
    for schema in PRIVATE_SCHEMAS:
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone() is None:
            continue
        s = sql.Identifier(schema)
        conn.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(s, ident))
        conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(s, ident))
    bi = sql.Identifier(BI_SCHEMA)
    conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(bi, ident))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(bi, ident))
    conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(bi, ident))
    conn.execute(
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(bi, ident)
    )


def privileges(conn: psycopg.Connection, role: str) -> dict[str, bool]:
    """What the role may do, as PostgreSQL reports it (shown in the metadata as evidence)."""
    out = {
        "create_on_database": bool(
            conn.execute(
                "SELECT has_database_privilege(%s, current_database(), 'CREATE')", (role,)
            ).fetchone()[0]
        )
    }
    rows = conn.execute(
        "SELECT nspname, has_schema_privilege(%s, oid, 'CREATE'), has_schema_privilege(%s, oid, 'USAGE') "
        "FROM pg_namespace WHERE nspname = ANY(%s) ORDER BY nspname",
        (role, role, ["public", BI_SCHEMA, "warehouse", "analytics", "staging", "ops", "raw"]),
    ).fetchall()
    for name, create, usage in rows:
        if name in ("public", BI_SCHEMA):
            out[f"create_on_{name}"] = bool(create)
        if name != "public":
            out[f"usage_on_{name}"] = bool(usage)
    out["readable_outside_bi"] = bool(
        conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname <> %s "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%' "
            "AND has_table_privilege(%s, c.oid, 'SELECT') AND has_schema_privilege(%s, n.oid, 'USAGE')",
            (BI_SCHEMA, role, role),
        ).fetchone()[0]
    )
    return out
