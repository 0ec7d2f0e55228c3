"""One hand-made warehouse per test module, with every analytics asset materialized on it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from ecom_assets.defs.analytics import assets as analytics_assets
from ecom_assets.defs.analytics import report
from ecom_assets.defs.resources import PostgresResource
from ecom_assets_tests.analytics import seed
from ecom_assets_tests.conftest import create_database, drop_database


@dataclass
class Built:
    url: str
    result: dg.ExecuteInProcessResult
    data_dir: Path


def materialize_analytics(url: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [*analytics_assets.TABLE_ASSETS, report.business_questions],
        resources={"warehouse": PostgresResource(database_url=url)},
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def built(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    url = create_database(admin_url, prefix="ecom_analytics")
    data_dir = tmp_path_factory.mktemp("data")
    mp = pytest.MonkeyPatch()
    mp.setenv("ECOM_DATA_DIR", str(data_dir))
    try:
        with psycopg.connect(url) as conn:
            seed.seed(conn)
        result = materialize_analytics(url)
        yield Built(url, result, data_dir)
    finally:
        mp.undo()
        drop_database(admin_url, url)


@pytest.fixture
def q(built: Built) -> Iterator:
    """``q(sql, *params)`` -> list of row dicts from the built database."""
    with psycopg.connect(built.url, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:

        def run(query: str, *params: object) -> list[dict]:
            return conn.execute(query, params or None).fetchall()

        yield run
