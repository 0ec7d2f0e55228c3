"""Fixtures for the operations tests: a Dagster instance stored in PostgreSQL, as deployed."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import dagster as dg
import psycopg
import pytest

from ecom_assets_tests.conftest import create_database, drop_database


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
def dagster_db_url(admin_url: str) -> Iterator[str]:
    """A database for Dagster's own storage, apart from the warehouse's."""
    url = create_database(admin_url, prefix="ecom_dagster")
    yield url
    drop_database(admin_url, url)


@pytest.fixture
def pg_instance(dagster_db_url: str) -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test(overrides={"storage": postgres_storage_config(dagster_db_url)}) as inst:
        yield inst
