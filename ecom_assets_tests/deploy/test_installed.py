"""Installed = works: from a folder outside the checkout, the installed wheel's ``ecom demo``,
``ecom run``, ``dagster api grpc -m ecom_assets.definitions``, ``dagster dev -m
ecom_assets.definitions`` and ``ecom ui`` work, print no password, and name runs after what
they ran. A regular ``pip install .`` once failed at the first of them: the code location
looked for a ``pyproject.toml`` above site-packages.
"""

from __future__ import annotations

import re
import signal
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from ecom_assets_tests.conftest import create_database, drop_database
from ecom_assets_tests.deploy import processes
from ecom_assets_tests.deploy.conftest import REPO, Installed

pytestmark = pytest.mark.slow

SECRET = "pw-Inst4lled-Secret"
RUNS_QUERY = "{ runsOrError { ... on Runs { results { runId jobName status } } } }"
SENSORS_QUERY = """
{ sensorsOrError(repositorySelector: {repositoryLocationName: "ecom_assets.definitions", repositoryName: "__repository__"}) {
    ... on Sensors { results { name sensorState { status ticks(limit: 5) { status error { message } } } } } } }
"""


@dataclass(frozen=True)
class User:
    """A new user's folder outside the checkout and the environment their shell has."""

    home: Path
    env: dict[str, str]
    installed: Installed

    def ecom(self, *args: str, timeout: float = 900) -> tuple[int, str, str]:
        done = processes.run([self.installed.exe("ecom"), *args], self.env, self.home, timeout)
        return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def user(installed: Installed, admin_url: str, deploy_root: Path) -> Iterator[User]:
    home = deploy_root / "new-user"
    home.mkdir()
    assert REPO not in home.parents
    url = create_database(admin_url, prefix="ecom_installed")
    info = psycopg.conninfo.conninfo_to_dict(url)
    password = info.get("password") or SECRET  # a server without passwords ignores it
    warehouse = f"postgresql://{info.get('user') or 'postgres'}:{password}@{info['host']}:{info.get('port') or 5432}/{info['dbname']}"
    yield User(home, processes.base_env({"ECOM_DATABASE_URL": warehouse}, installed.bin), installed)
    drop_database(admin_url, url)


@pytest.fixture(scope="module")
def demo(user: User) -> tuple[str, str]:
    code, out, err = user.ecom("demo", "--scale", "0.02")
    assert code == 0, out[-3000:] + err[-3000:]
    return out, err


def test_the_wheel_ships_everything_the_package_reads(installed: Installed, user: User) -> None:
    shipped = set(zipfile.ZipFile(installed.wheel).namelist())
    needed = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "ecom_assets").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert needed - shipped == set()
    done = processes.run(
        [str(installed.python), "-c", "import ecom_assets; print(ecom_assets.__file__)"], user.env, user.home
    )
    assert done.stdout.startswith(str(installed.root / "venv")), done.stdout + done.stderr
    code, out, _ = user.ecom("--version")
    assert code == 0 and re.fullmatch(r"ecom \d+\.\d+\.\d+\S*\n", out)


def test_ecom_demo_from_outside_the_checkout(user: User, demo: tuple[str, str]) -> None:
    out, err = demo
    assert SECRET not in out + err
    assert "warehouse: postgresql://" in out and ":***@" in out
    assert re.search(r"^run \S+: succeeded in", out, re.M), out[-3000:]
    for name in ("business_questions.md", "dashboards.html", "dashboards.pdf"):
        assert (user.home / "data" / "output" / name).stat().st_size > 1000, name
    assert re.search(r"in the UI: http://127\.0\.0\.1:3000/runs/[0-9a-f-]{36}", out)
    assert "next: `ecom ui`" in out
    # progress is not on a terminal here: one line per month and per finished step, on stderr
    assert "generate 2026-10 (Oct):" in err and "ok      warehouse/fact_orders" in err


def test_ecom_run_reports_each_step_and_names_the_run(user: User, demo: tuple[str, str]) -> None:
    code, out, err = user.ecom("run")
    assert code == 0, out[-3000:] + err[-3000:]
    assert SECRET not in out + err
    steps = re.findall(r"^  ok      (\S+) in \d+\.\d s$", err, re.M)
    assert {"raw/orders", "staging/orders", "warehouse/fact_orders", "analytics/daily_sales"} <= set(steps)
    assert re.search(r"^pipeline_job [0-9a-f]{8}: succeeded", err, re.M)
    script = (
        "import dagster as dg\n"
        "with dg.DagsterInstance.get() as i:\n"
        "    print(sorted({r.job_name for r in i.get_runs()}))\n"
    )
    env = {**user.env, "DAGSTER_HOME": str(user.home / "data" / "dagster_home")}
    done = processes.run([str(user.installed.python), "-c", script], env, user.home)
    assert done.stdout.strip() == "['pipeline_job']", done.stderr[-2000:]


def test_dagster_api_grpc_serves_the_code_location(user: User, demo: tuple[str, str], work_dir: Path) -> None:
    port = processes.free_port()
    args = [
        user.installed.exe("dagster"),
        "api",
        "grpc",
        "-m",
        "ecom_assets.definitions",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    log = work_dir / "grpc.log"
    with processes.started(args, user.env, log, user.home) as server:

        def serving() -> bool:
            assert server.poll() is None, processes.tail(log)
            check = [user.installed.exe("dagster"), "api", "grpc-health-check", "-p", str(port)]
            return processes.run(check, user.env, user.home, 60).returncode == 0

        processes.poll("the gRPC server to be SERVING", serving, timeout=240)
    assert "Error" not in processes.tail(log, 20000)


def test_ecom_ui_starts_clean_on_the_clis_data(user: User, demo: tuple[str, str], work_dir: Path) -> None:
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    log = work_dir / "ui.log"
    with processes.started(
        [user.installed.exe("ecom"), "ui", "--port", str(port)], user.env, log, user.home
    ) as ui:
        processes.poll(
            "ecom ui to print its address", lambda: f"Dagster UI: {base}" in processes.tail(log), 240, 1
        )
        runs = processes.graphql(base, RUNS_QUERY)["runsOrError"]["results"]
        assert runs and {r["jobName"] for r in runs} == {"pipeline_job"}
        assert {r["status"] for r in runs} == {"SUCCESS"}

        def ticked() -> list[dict] | None:
            sensors = processes.graphql(base, SENSORS_QUERY)["sensorsOrError"]["results"]
            running = [s for s in sensors if s["sensorState"]["status"] == "RUNNING"]
            return running if all(s["sensorState"]["ticks"] for s in running) else None

        sensors = processes.poll("every running sensor to tick on the CLI's instance", ticked, 180, 3, log)
        assert {s["name"] for s in sensors} >= {
            "run_failure_alert",
            "blocking_check_alert",
            "freshness_alert",
            "missed_run_alert",
        }
        failed = {
            s["name"]: t["error"]
            for s in sensors
            for t in s["sensorState"]["ticks"]
            if t["status"] == "FAILURE"
        }
        assert failed == {}
        ui.send_signal(signal.SIGTERM)  # as a service manager stops it: the whole tree goes
        assert ui.wait(60) == 0
    output = processes.tail(log, 1_000_000)
    assert not [line for line in output.splitlines() if "WARNING" in line or "Warning:" in line], output[
        -5000:
    ]
    with pytest.raises(OSError):
        processes.graphql(base, RUNS_QUERY)


def test_dagster_dev_loads_the_code_location(user: User, demo: tuple[str, str], work_dir: Path) -> None:
    port = processes.free_port()
    env = {**user.env, "DAGSTER_HOME": str(user.home / "data" / "dagster_home")}
    args = [
        user.installed.exe("dagster"),
        "dev",
        "-m",
        "ecom_assets.definitions",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    log = work_dir / "dev.log"
    base = f"http://127.0.0.1:{port}"
    with processes.started(args, env, log, user.home) as dev:
        processes.wait_for_http(f"{base}/server_info", dev, log)
        workspace = processes.graphql(
            base,
            "{ workspaceOrError { ... on Workspace { locationEntries { name "
            "locationOrLoadError { __typename ... on PythonError { message } } } } } }",
        )
        (entry,) = workspace["workspaceOrError"]["locationEntries"]
        assert entry["name"] == "ecom_assets.definitions"
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
        runs = processes.graphql(base, RUNS_QUERY)["runsOrError"]["results"]
        assert {r["jobName"] for r in runs} == {"pipeline_job"} and len(runs) >= 1
    assert "does not match the name" not in processes.tail(log, 200_000)
