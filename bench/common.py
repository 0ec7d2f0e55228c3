"""Shared plumbing of the pipeline benchmarks: scratch databases, child processes, load average.

Not a benchmark itself (``python -m bench common`` only prints usage). Every pipeline benchmark
works in a database of its own, created from an admin URL and dropped afterwards, and in a
scratch folder under /tmp, so runs never see each other's data.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parent.parent


def admin_url(value: str | None = None) -> str:
    return value or os.environ.get("ECOM_TEST_DATABASE_URL") or DEFAULT_ADMIN_URL


def create_db(admin: str, prefix: str) -> str:
    """A fresh empty database; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(admin, dbname=name)


def drop_db(admin: str, url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def db_size(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def scratch(name: str) -> Path:
    """A fresh folder /tmp/ecom-bench-<name>-<id> (the caller removes it with ``rmtree``)."""
    path = Path("/tmp") / f"ecom-bench-{name}-{uuid.uuid4().hex[:6]}"
    path.mkdir(parents=True)
    return path


def rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def load() -> str:
    """The 1/5/15-minute load averages: timings on a shared 2-core machine only mean something with it."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def env_for(data_dir: Path, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ECOM_DATA_DIR=str(data_dir),
        ECOM_DATABASE_URL=url,
        DAGSTER_HOME=str(data_dir / "dagster_home"),
        PYTHONUNBUFFERED="1",
        ECOM_LOG_LEVEL="WARNING",
    )
    env.pop("ECOM_START_DATE", None)
    home = data_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    from ecom_assets import runner  # the instance `ecom run` sets up for itself: the figures are the CLI's

    (home / "dagster.yaml").write_text(runner.local_instance_yaml(home))
    return env


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, list[tuple[float, str]]]:
    """Run a child process; returns wall seconds, its peak RSS in MiB and its stdout lines, each
    with the seconds since start at which it was read (the child runs unbuffered)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT
    )
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append((time.perf_counter() - t0, line.rstrip("\n")))
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = "\n".join(text for _, text in lines[-30:])
        raise SystemExit(f"{' '.join(args)} failed with exit code {code}:\n{tail}")
    return wall, usage.ru_maxrss / 1024, lines


def python() -> str:
    return sys.executable


def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt(values: list[float], digits: int = 1) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def main(argv: list[str]) -> int:
    print("bench.common is the helpers of the pipeline benchmarks; run `python -m bench all --help`")
    return 2
