"""Fixtures for the operations tests: the Dagster instances the project configures (the CLI's
local one, the Compose one in PostgreSQL) and a webhook server that enforces Slack's rules."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import quote

import dagster as dg
import psycopg
import pytest


def postgres_storage_config(url: str) -> dict:
    """dagster-postgres storage for ``url`` (psycopg2 scheme: SQLAlchemy 2.1 needs it)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    host = info.get("host") or "127.0.0.1"
    if host.startswith("/"):  # a Unix socket directory (the tests' own embedded server): no host:port form
        user, password = quote(info.get("user") or "postgres"), quote(info.get("password") or "")
        auth = f"{user}:{password}" if password else user
        port = info.get("port") or 5432
        return {
            "postgres": {
                "postgres_url": f"postgresql+psycopg2://{auth}@/{info['dbname']}?host={quote(host, safe='')}&port={port}"
            }
        }
    return {
        "postgres": {
            "postgres_db": {
                "username": info.get("user") or "postgres",
                "password": info.get("password") or "",
                "hostname": info.get("host") or "127.0.0.1",
                "db_name": info["dbname"],
                "port": int(info.get("port") or 5432),
                "scheme": "postgresql+psycopg2",
            }
        }
    }


@pytest.fixture
def pg_instance(dagster_db_url: str) -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test(overrides={"storage": postgres_storage_config(dagster_db_url)}) as inst:
        yield inst


# ---------------------------------------------------------------- the instances the project configures


REPO = Path(__file__).resolve().parents[2]


def compose_home(tmp_path: Path, dagster_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME holding docker/dagster.yaml, its DAGSTER_PG_* pointed at ``dagster_db_url``."""
    home = tmp_path / "compose_home"
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
    return home


@pytest.fixture(params=["local", "compose"])
def instance(
    request: pytest.FixtureRequest, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dg.DagsterInstance]:
    """Each instance the project configures: the CLI's local one (SQLite, run-sharded, with its
    own event-log storage) and the Compose one (docker/dagster.yaml: dagster-postgres)."""
    if request.param == "local":
        from ecom_assets.instance import local

        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "local_home"))
        home = local.dagster_home()
    else:
        home = compose_home(tmp_path, request.getfixturevalue("dagster_db_url"), monkeypatch)
    with dg.DagsterInstance.from_config(str(home)) as inst:
        yield inst


# ---------------------------------------------------------------- a webhook with Slack's rules


SLACK_TOKEN = "T0000/B0000/s3cr3t-T0KEN"
SLACK_MAX_TEXT = 40_000


class SlackHook(BaseHTTPRequestHandler):
    """An incoming webhook that answers as Slack's does (api.slack.com, incoming webhooks):
    only POST; an unknown path is ``404 no_service``; the body must be JSON as its content
    type says (``400 invalid_payload``); a message needs a non-empty ``text`` (or blocks or
    attachments: ``400 missing_text_or_fallback_or_attachments``); text over 40,000
    characters is ``400 msg_too_long``; success is ``200 ok``."""

    accepted: list[dict] = []
    refused: list[tuple[int, str]] = []

    def _answer(self, status: int, body: str) -> None:
        if status != 200:
            SlackHook.refused.append((status, body))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(405, "invalid_method")

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != f"/services/{SLACK_TOKEN}":
            return self._answer(404, "no_service")
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            return self._answer(400, "invalid_payload")
        try:
            message = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._answer(400, "invalid_payload")
        if not isinstance(message, dict):
            return self._answer(400, "invalid_payload")
        text = message.get("text")
        if not (isinstance(text, str) and text.strip()) and not (
            message.get("blocks") or message.get("attachments")
        ):
            return self._answer(400, "missing_text_or_fallback_or_attachments")
        if isinstance(text, str) and len(text) > SLACK_MAX_TEXT:
            return self._answer(400, "msg_too_long")
        SlackHook.accepted.append(message)
        return self._answer(200, "ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slack() -> Iterator[str]:
    """The base URL of a Slack-rule webhook server; the hook itself is ``{base}/services/{SLACK_TOKEN}``."""
    SlackHook.accepted, SlackHook.refused = [], []
    server = HTTPServer(("127.0.0.1", 0), SlackHook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
