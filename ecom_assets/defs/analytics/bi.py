"""Access for external BI tools (Metabase, Superset, Looker Studio) without a superuser.

Views in schema ``bi`` mirror every analytics table, and a read-only role (``ECOM_BI_USER``,
default ``ecom_bi``) may read those views and nothing else: USAGE on ``bi``, SELECT on its
views, no CREATE on any schema or the database, read-only transactions by default. The BI tool
therefore sees a stable, documented surface, while the warehouse and staging stay private.

The password comes from ``ECOM_BI_PASSWORD`` and goes to PostgreSQL as a literal inside the
statement (roles take no bind parameters); it never reaches logs or metadata. Without a password
the role is created NOLOGIN, ready for an administrator to set one. When the connected user may
not create roles, the views are still made and the metadata says what is missing.
"""

import os
import re

import dagster as dg
import psycopg
from psycopg import sql

from ecom_assets.defs.analytics import answers
from ecom_assets.defs.analytics import assets as tables
from ecom_assets.defs.resources import PostgresResource

ENV_BI_USER = "ECOM_BI_USER"
ENV_BI_PASSWORD = "ECOM_BI_PASSWORD"
DEFAULT_BI_USER = "ecom_bi"
BI_SCHEMA = "bi"
PRIVATE_SCHEMAS = ("analytics", "warehouse", "staging", "ops", "public")
ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def bi_user() -> str:
    return os.environ.get(ENV_BI_USER) or DEFAULT_BI_USER


def create_views(conn: psycopg.Connection, table_names: list[str]) -> list[str]:
    """``bi.<table>`` = ``SELECT * FROM analytics.<table>`` for each existing analytics table."""
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(BI_SCHEMA)))
    made = []
    for name in table_names:
        if conn.execute("SELECT to_regclass(%s)", (f"analytics.{name}",)).fetchone()[0] is None:
            continue
        view = sql.Identifier(BI_SCHEMA, name)
        # drop + create (not OR REPLACE) so a column removed from a table leaves the view too
        conn.execute(sql.SQL("DROP VIEW IF EXISTS {}").format(view))
        conn.execute(
            sql.SQL("CREATE VIEW {} AS SELECT * FROM {}").format(view, sql.Identifier("analytics", name))
        )
        made.append(f"{BI_SCHEMA}.{name}")
    return made


def _can_manage_roles(conn: psycopg.Connection) -> bool:
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
    conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ident))
    return state


def grant_read_only(conn: psycopg.Connection, role: str) -> None:
    """USAGE on ``bi`` and SELECT on its views; nothing else, and no CREATE anywhere."""
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


def _privileges(conn: psycopg.Connection, role: str) -> dict[str, bool]:
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
        (role, role, ["public", BI_SCHEMA, "warehouse", "analytics", "staging"]),
    ).fetchall()
    for name, create, usage in rows:
        if name in ("public", BI_SCHEMA):
            out[f"create_on_{name}"] = bool(create)
        if name != "public":
            out[f"usage_on_{name}"] = bool(usage)
    return out


@dg.asset(
    key=["analytics", "bi_access"],
    description="Read-only access for BI tools: views in schema `bi` over every analytics table and "
    "a role (ECOM_BI_USER, default ecom_bi; password from ECOM_BI_PASSWORD) that can read them and "
    "nothing else. See docs/BI.md for connecting Metabase, Superset or Looker Studio.",
    group_name=tables.GROUP,
    kinds={"postgres"},
    owners=tables.OWNERS,
    deps=tables.TABLE_KEYS,
)
def bi_access(context: dg.AssetExecutionContext, warehouse: PostgresResource) -> dg.MaterializeResult:
    role = bi_user()
    if not ROLE_NAME.fullmatch(role):  # quoted by psycopg.sql anyway; refuse what no admin means
        raise dg.Failure(
            f"{ENV_BI_USER}={role!r} is not a plain role name (a letter or _, then letters, digits "
            "or _, at most 63); nothing was changed."
        )
    password = os.environ.get(ENV_BI_PASSWORD) or None
    names = [spec.name for spec in tables.TABLES]
    with warehouse.get_connection() as conn:
        views = create_views(conn, names)
        views += answers.create_bi_views(conn)  # the report's and dashboards' own queries
        can_manage = _can_manage_roles(conn)
        role_exists = (
            conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None
        )
        unsafe = conn.execute(
            "SELECT rolsuper OR rolname = current_user FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()
        if unsafe and unsafe[0]:
            raise dg.Failure(
                f"{ENV_BI_USER}={role!r} names a superuser or the connected user; pick a dedicated role."
            )
        if can_manage:
            role_state = ensure_role(conn, role, password)
            role_exists = True
        elif role_exists:
            role_state = "exists; not updated: the connected user may not manage roles"
        else:
            role_state = "not created: the connected user may not create roles (ask an administrator)"
            context.log.warning(f"BI role {role!r} {role_state}")
        privileges = {}
        if role_exists:
            grant_read_only(conn, role)
            privileges = _privileges(conn, role)
    missing = sorted(set(names) - {v.split(".", 1)[1] for v in views})
    return dg.MaterializeResult(
        metadata={
            "views": dg.MetadataValue.md("\n".join(f"- `{v}`" for v in views) or "(none)"),
            "view_count": len(views),
            "missing_tables": ", ".join(missing) or "none",
            "bi_role": role,
            "role_state": role_state,
            "password_from_env": password is not None,
            "role_privileges": privileges,
        }
    )
