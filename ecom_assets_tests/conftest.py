"""Shared fixtures: a real PostgreSQL for every test session, never a stand-in.

The server is the one named by ``ECOM_TEST_DATABASE_URL`` (an admin URL: the session creates
and drops its own databases there), else the embedded server this session starts in
``.ecom/test-postgres`` inside the checkout. Each session works in a database of its own, so
sessions running side by side do not see each other's tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from ecom_assets.lib import postgres

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"


def _admin_url() -> str:
    url = os.environ.get("ECOM_TEST_DATABASE_URL")
    if url:
        return url
    # On loopback, not only the socket: dagster-postgres configs (docker/dagster.yaml) take a
    # host and a port, and a socket directory is neither.
    return postgres.embedded_url(REPO / ".ecom" / "test-postgres", tcp=True)


def _with_database(url: str, dbname: str) -> str:
    return psycopg.conninfo.make_conninfo(url, dbname=dbname)


def create_database(admin_url: str, prefix: str = "ecom_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _with_database(admin_url, name)


def drop_database(admin_url: str, url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def admin_url() -> str:
    return _admin_url()


@pytest.fixture(scope="session")
def db_url(admin_url: str) -> Iterator[str]:
    """A database for the whole test session."""
    url = create_database(admin_url)
    yield url
    drop_database(admin_url, url)


@pytest.fixture
def fresh_db_url(admin_url: str) -> Iterator[str]:
    """A new empty database for one test (for tests that need a clean warehouse)."""
    url = create_database(admin_url)
    yield url
    drop_database(admin_url, url)


@pytest.fixture
def dagster_db_url(admin_url: str) -> Iterator[str]:
    """A database for Dagster's own storage, apart from the warehouse's."""
    url = create_database(admin_url, prefix="ecom_dagster")
    yield url
    drop_database(admin_url, url)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url, autocommit=True) as c:
        yield c


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``ECOM_DATA_DIR`` for one test."""
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("ECOM_DATA_DIR", str(d))
    return d


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
