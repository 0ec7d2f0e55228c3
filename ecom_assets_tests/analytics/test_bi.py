"""BI access: the role reads the ``bi`` views and nothing else, and cannot write anywhere.

Roles are cluster-wide, so each test uses a role name of its own and drops it afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import dagster as dg
import psycopg
import pytest
from psycopg import errors, sql

from ecom_assets.defs.analytics import bi
from ecom_assets.defs.resources import PostgresResource
from ecom_assets_tests.analytics import seed
from ecom_assets_tests.analytics.conftest import Built
from ecom_assets_tests.conftest import create_database, drop_database

PASSWORD = "bi-" + uuid.uuid4().hex  # a value we can search for in the metadata


def _drop_role(url: str, role: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def role(built: Built, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"ecom_bi_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(bi.ENV_BI_USER, name)
    yield name
    _drop_role(built.url, name)


def _run(url: str) -> dg.ExecuteInProcessResult:
    return dg.materialize([bi.bi_access], resources={"warehouse": PostgresResource(database_url=url)})


def _metadata(result: dg.ExecuteInProcessResult) -> dict:
    (mat,) = result.asset_materializations_for_node("analytics__bi_access")
    return {k: v.value for k, v in mat.metadata.items()}


def _as_role(url: str, role: str) -> psycopg.Connection:
    return psycopg.connect(psycopg.conninfo.make_conninfo(url, user=role, password=PASSWORD), autocommit=True)


def test_role_reads_views_and_cannot_write(built: Built, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bi.ENV_BI_PASSWORD, PASSWORD)
    with psycopg.connect(built.url, autocommit=True) as conn:  # a raw-layer table, should one appear
        conn.execute("CREATE SCHEMA IF NOT EXISTS raw")
        conn.execute("CREATE TABLE IF NOT EXISTS raw.landed_files (path text)")
    result = _run(built.url)
    meta = _metadata(result)
    assert meta["view_count"] == len(bi.views()) and meta["missing_views"] == "none"
    assert meta["role_state"] == "created with LOGIN" and meta["password_from_env"] is True
    assert PASSWORD not in repr(meta)
    assert meta["role_privileges"] == {
        "create_on_database": False,
        "create_on_public": False,
        "create_on_bi": False,
        "usage_on_bi": True,
        "usage_on_warehouse": False,
        "usage_on_analytics": False,
        "usage_on_staging": False,
        "usage_on_ops": False,
        "usage_on_raw": False,
        "readable_outside_bi": False,
    }
    with _as_role(built.url, role) as conn:
        assert conn.execute("SELECT count(*) FROM bi.daily_sales").fetchone()[0] == 367
        assert conn.execute("SELECT sum(attributed_orders) FROM bi.campaign_attribution").fetchone()[0] == 5
        # the star schema reads the private schemas with the views' owner's rights, not the role's
        assert conn.execute("SELECT count(*) FROM bi.fact_orders").fetchone()[0] == len(seed.ORDERS)
        assert conn.execute("SELECT count(*) FROM bi.fact_campaign_orders").fetchone()[0] == 5
        assert conn.execute("SELECT as_of_date FROM bi.as_of").fetchone()[0] == seed.AS_OF
        # what the role can read at all, as the catalog says: the bi views and nothing else
        readable = conn.execute(
            "SELECT DISTINCT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r','p','v','m','f') "
            "AND has_table_privilege(c.oid, 'SELECT') AND has_schema_privilege(n.oid, 'USAGE')"
        ).fetchall()
        assert readable == [("bi",)]
        assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
        assert conn.execute("SHOW jit").fetchone()[0] == "off"
        # read-only transactions are only a default the role may switch off: privileges must hold alone
        conn.execute("SET default_transaction_read_only = off")
        denied = [
            "INSERT INTO bi.monthly_sales (month) VALUES ('2030-01-01')",
            "DELETE FROM bi.daily_sales",
            "UPDATE bi.product_metrics SET units_sold = 0",
            "DELETE FROM bi.dim_customers",
            "CREATE TABLE public.bi_probe (x int)",
            "CREATE TABLE bi.bi_probe (x int)",
            "CREATE VIEW bi.bi_probe AS SELECT 1",
            "CREATE SCHEMA bi_probe",
            "SELECT count(*) FROM warehouse.fact_orders",
            "SELECT count(*) FROM warehouse.dim_customers",
            "SELECT count(*) FROM analytics.daily_sales",
            "SELECT count(*) FROM staging.orders",
            "SELECT count(*) FROM ops.run_context",
            "SELECT count(*) FROM ops.campaign_order",
            "SELECT count(*) FROM raw.landed_files",
        ]
        for statement in denied:
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
        with pytest.raises(errors.UndefinedColumn):  # contact details stay in the warehouse
            conn.execute("SELECT email FROM bi.dim_customers_history")


def test_rerun_is_idempotent_and_views_follow_tables(
    built: Built, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(bi.ENV_BI_PASSWORD, PASSWORD)
    _run(built.url)
    meta = _metadata(_run(built.url))
    assert meta["role_state"] == "updated with LOGIN" and meta["view_count"] == len(bi.views())
    with _as_role(built.url, role) as conn:
        assert conn.execute("SELECT count(*) FROM bi.customer_metrics").fetchone()[0] == 11


def test_without_password_the_role_cannot_log_in(
    built: Built, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(bi.ENV_BI_PASSWORD, raising=False)
    meta = _metadata(_run(built.url))
    assert meta["role_state"].startswith("created NOLOGIN") and meta["password_from_env"] is False
    with psycopg.connect(built.url) as conn:
        assert conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (role,)).fetchone() == (
            False,
        )
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        _as_role(built.url, role)


def test_run_without_password_keeps_an_existing_login(
    built: Built, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(bi.ENV_BI_PASSWORD, PASSWORD)
    _run(built.url)
    monkeypatch.delenv(bi.ENV_BI_PASSWORD)
    meta = _metadata(_run(built.url))
    assert meta["role_state"].startswith("exists; login and password left as they are")
    with _as_role(built.url, role) as conn:
        assert conn.execute("SELECT count(*) FROM bi.segment_metrics").fetchone()[0] == 3


def test_superuser_name_is_refused(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bi.ENV_BI_USER, "postgres")
    result = dg.materialize(
        [bi.bi_access],
        resources={"warehouse": PostgresResource(database_url=built.url)},
        raise_on_error=False,
    )
    assert not result.success
    with psycopg.connect(built.url) as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres'").fetchone() == (True,)


def test_user_without_role_privileges_gets_views_and_a_note(
    admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = create_database(admin_url, prefix="ecom_bi_lim")
    limited = f"ecom_lim_{uuid.uuid4().hex[:8]}"
    target = f"ecom_bi_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(bi.ENV_BI_USER, target)
    monkeypatch.setenv(bi.ENV_BI_PASSWORD, PASSWORD)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(limited)))
            conn.execute("CREATE SCHEMA analytics")
            conn.execute("CREATE TABLE analytics.daily_sales (sales_date date PRIMARY KEY)")
            conn.execute(
                sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                    sql.Identifier(conn.info.dbname), sql.Identifier(limited)
                )
            )
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA analytics TO {}").format(sql.Identifier(limited)))
            conn.execute(
                sql.SQL("GRANT SELECT ON analytics.daily_sales TO {}").format(sql.Identifier(limited))
            )
        limited_url = psycopg.conninfo.make_conninfo(url, user=limited)
        meta = _metadata(_run(limited_url))
        # daily_sales only: the shared answers read tables this database lacks
        assert meta["role_state"].startswith("not created") and meta["view_count"] == 1
        assert "daily_sales" not in meta["missing_views"] and "monthly_sales" in meta["missing_views"]
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (target,)).fetchone() is None
            assert conn.execute("SELECT to_regclass('bi.daily_sales')").fetchone()[0] is not None
    finally:
        drop_database(admin_url, url)
        _drop_role(admin_url, limited)


def test_createrole_user_that_is_not_superuser(admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The docker setup's shape: a database owner with CREATEROLE, not a superuser."""
    url = create_database(admin_url, prefix="ecom_bi_cr")
    owner = f"ecom_own_{uuid.uuid4().hex[:8]}"
    target = f"ecom_bi_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(bi.ENV_BI_USER, target)
    monkeypatch.setenv(bi.ENV_BI_PASSWORD, PASSWORD)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(owner)))
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(conn.info.dbname), sql.Identifier(owner)
                )
            )
        owner_url = psycopg.conninfo.make_conninfo(url, user=owner)
        with psycopg.connect(owner_url, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA analytics")
            conn.execute("CREATE TABLE analytics.daily_sales (sales_date date PRIMARY KEY)")
            conn.execute("INSERT INTO analytics.daily_sales VALUES ('2025-12-31')")
        assert _metadata(_run(owner_url))["role_state"] == "created with LOGIN"
        assert _metadata(_run(owner_url))["role_state"] == "updated with LOGIN"
        with _as_role(url, target) as conn:
            assert conn.execute("SELECT count(*) FROM bi.daily_sales").fetchone()[0] == 1
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute("SELECT count(*) FROM analytics.daily_sales")
    finally:
        drop_database(admin_url, url)
        _drop_role(admin_url, target)
        _drop_role(admin_url, owner)


def test_existing_role_loses_createdb_and_createrole(admin_url: str) -> None:
    """The attributes a BI role must not have are taken away when it has them (they are named
    only then: PostgreSQL 16+ lets a CREATEROLE user name only attributes it holds itself)."""
    role = f"ecom_bi_attr_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} NOLOGIN CREATEDB CREATEROLE INHERIT").format(sql.Identifier(role))
            )
            bi.ensure_role(conn, role, None)
            assert conn.execute(
                "SELECT rolcreatedb, rolcreaterole, rolinherit, rolcanlogin FROM pg_roles WHERE rolname = %s",
                (role,),
            ).fetchone() == (False, False, False, False)
            bi.ensure_role(conn, role, None)  # again, with nothing left to take away
            new = f"{role}_new"
            bi.ensure_role(conn, new, None)
            assert conn.execute(
                "SELECT rolcreatedb, rolcreaterole, rolinherit FROM pg_roles WHERE rolname = %s", (new,)
            ).fetchone() == (False, False, False)
    finally:
        _drop_role(admin_url, role)
        _drop_role(admin_url, f"{role}_new")
