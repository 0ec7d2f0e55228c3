"""One real pipeline, built once, that the reliability tests disturb in private copies.

``pipeline`` generates a tiny export (fixed seed), imports it and runs the whole graph twice
(``runner.run_graph``, everything but the dashboards' browser rendering) against a database
owned by a role with a password, so the security tests can look for that password in what the
runs wrote. Each fault or concurrency test then works on ``clone``: a copy of that database
made with ``CREATE DATABASE ... TEMPLATE`` (a file copy, far cheaper than a new run), so the
tests stay independent and the package stays well under two minutes.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from ecom_assets import runner
from ecom_assets.defs.partitions import monthly_partitions
from ecom_assets.defs.raw import importer
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.lib import generator, postgres, settings
from ecom_assets_tests.conftest import drop_database

SCALE, SEED, DAYS = 0.02, 7, 45
LAYERS = ("staging", "warehouse", "analytics")
APP = "ecom-dagster"  # PostgresResource.application_name: how a watcher finds the pipeline's backends


@dataclass
class Pipeline:
    admin_url: str
    url: str  # the pipeline's database, as the role with a password
    role: str
    password: str
    data_dir: Path
    months: list[str]
    baseline: dict[str, str]  # table -> checksum after the first run
    second: dict[str, str]  # after the second run
    instance: dg.DagsterInstance
    summaries: list[runner.RunSummary] = field(default_factory=list)


def dbname(url: str) -> str:
    return psycopg.conninfo.conninfo_to_dict(url)["dbname"]


def with_db(url: str, name: str) -> str:
    return psycopg.conninfo.make_conninfo(url, dbname=name)


def role_url(admin_url: str, role: str, password: str, name: str) -> str:
    """``postgresql://role:password@host:port/name`` on the admin URL's server: the form users
    configure, so the password-redaction paths are the ones exercised."""
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    host, port = info.get("host") or "127.0.0.1", info.get("port") or 5432
    if host.startswith("/"):  # a Unix socket directory (the tests' own embedded server): a query parameter
        return f"postgresql://{role}:{password}@/{name}?host={quote(host, safe='')}&port={port}"
    return f"postgresql://{role}:{password}@{host}:{port}/{name}"


def tables(conn: psycopg.Connection, schemas: tuple[str, ...] = LAYERS) -> list[str]:
    """Every table of the schemas, and the views (analytics.customer_metrics is one over stored
    rows); a partitioned table once (its rows include its partitions')."""
    rows = conn.execute(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition ORDER BY 1",
        (list(schemas),),
    ).fetchall()
    return [r[0] for r in rows]


def checksums(url: str, schemas: tuple[str, ...] = LAYERS) -> dict[str, str]:
    """table -> md5 of its rows. The layers by default; with ``ops`` too, the load ledgers as well
    (they differ between two histories of the same data, so only before/after one fault)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return {t: postgres.table_checksum(conn, t) for t in tables(conn, schemas)}


@functools.cache
def definitions() -> dg.Definitions:
    """The code location, loaded once (1.4 s a load)."""
    return runner.load_definitions()


def graph_keys() -> list[dg.AssetKey]:
    """What ``ecom run`` materializes, less the dashboards (36 s of headless Chromium, no table)."""
    defs = definitions()
    return [k for k in runner.pipeline_assets(defs) if k.path[0] != "dashboards"]


def assets(*keys: str) -> list[dg.AssetsDefinition]:
    """The asset definitions of the code location for ``"staging/orders"``-style keys."""
    wanted = {dg.AssetKey(k.split("/")) for k in keys}
    defs = definitions()
    found = [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition) and a.key in wanted]
    assert {a.key for a in found} == wanted
    return found


def materialize(
    url: str,
    keys: list[str],
    partition_key: str | None = None,
    resource: PostgresResource | None = None,
    **kwargs: object,
) -> dg.ExecuteInProcessResult:
    with dg.DagsterInstance.ephemeral() as instance:  # disposed in the thread that made it
        return dg.materialize(
            assets(*keys),
            resources={"warehouse": resource or PostgresResource(database_url=url)},
            partition_key=partition_key,
            instance=instance,
            raise_on_error=False,
            **kwargs,
        )


def materialization_metadata(instance: dg.DagsterInstance, run_id: str) -> dict[str, dict[str, object]]:
    """asset -> metadata values of its first materialization in the run."""
    out: dict[str, dict[str, object]] = {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is not None and event.event_type_value == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            out.setdefault(
                mat.asset_key.to_user_string(), {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
            )
    return out


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    """Every step failure of a run as the UI shows it (message, cause, stack)."""
    return "\n".join(e.event_specific_data.error.to_string() for e in result.get_step_failure_events())


def terminate_all(admin_url: str, name: str) -> int:
    """Close every connection to database ``name`` (what a server restart does to clients)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


class Killer(threading.Thread):
    """Watches ``pg_stat_activity`` of one database and terminates the first pipeline backend
    that sleeps inside a statement (the test's injected trigger), as an operator or the OOM
    killer would; ``victim`` is the statement that was running."""

    def __init__(self, admin_url: str, name: str, timeout: float = 60.0) -> None:
        super().__init__(daemon=True)
        self.admin_url, self.name, self.timeout = admin_url, name, timeout
        self.victim: str | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            while not self.stop.is_set() and time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT pid, query FROM pg_stat_activity WHERE datname = %s AND application_name = %s "
                    "AND state = 'active' AND wait_event = 'PgSleep'",
                    (self.name, APP),
                ).fetchone()
                if row:
                    conn.execute("SELECT pg_terminate_backend(%s)", (row[0],))
                    self.victim = row[1]
                    return
                time.sleep(0.05)


@pytest.fixture(scope="session")
def pipeline(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    tag = uuid.uuid4().hex[:8]
    role, password = f"ecom_rel_{tag}", f"Rel-{uuid.uuid4().hex}"
    name = f"ecom_rel_{tag}"
    root = tmp_path_factory.mktemp("reliability")
    data_dir = root / "data"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(role))
        )
    url = role_url(admin_url, role, password, name)
    start = dt.date.fromisoformat(monthly_partitions.get_partition_keys()[0])
    end = start + dt.timedelta(days=DAYS - 1)  # two months: a range run, two PostgreSQL partitions
    instance = dg.DagsterInstance.ephemeral()
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv(settings.ENV_DATABASE_URL, url)
        mp.setenv(settings.ENV_DATA_DIR, str(data_dir))
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        mp.delenv("ECOM_BI_PASSWORD", raising=False)
        generator.generate(root / "export", scale=SCALE, seed=SEED, start=start, end=end, progress=False)
        importer.import_export(root / "export")
        keys = graph_keys()
        first = runner.run_graph(instance=instance, asset_selection=keys)
        assert first.ok, (first.failed_assets, first.failed_checks)
        baseline = checksums(url)
        second = runner.run_graph(instance=instance, asset_selection=keys)
        assert second.ok, (second.failed_assets, second.failed_checks)
        months = [start.replace(day=1).isoformat(), end.replace(day=1).isoformat()]
        yield Pipeline(
            admin_url,
            url,
            role,
            password,
            data_dir,
            months,
            baseline,
            checksums(url),
            instance,
            [first, second],
        )
    finally:
        mp.undo()
        drop_database(admin_url, with_db(admin_url, name))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture
def clone(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A private copy of the pipeline's database (same role, same password) for one test."""
    name = f"{dbname(pipeline.url)}_{uuid.uuid4().hex[:6]}"
    terminate_all(pipeline.admin_url, dbname(pipeline.url))  # a template must have no sessions
    with psycopg.connect(pipeline.admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(dbname(pipeline.url)), sql.Identifier(pipeline.role)
            )
        )
    url = role_url(pipeline.admin_url, pipeline.role, pipeline.password, name)
    monkeypatch.setenv(settings.ENV_DATABASE_URL, url)
    monkeypatch.setenv(settings.ENV_DATA_DIR, str(pipeline.data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    yield url
    drop_database(pipeline.admin_url, with_db(pipeline.admin_url, name))


def admin_conn(pipeline: Pipeline, url: str) -> psycopg.Connection:
    """A superuser connection to ``url``'s database, for injecting faults the pipeline cannot see coming."""
    return psycopg.connect(with_db(pipeline.admin_url, dbname(url)), autocommit=True)
