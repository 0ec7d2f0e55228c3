"""A real PostgreSQL restart between two runs: the embedded server is stopped and started again."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ecom_assets.defs.resources import PostgresResource
from ecom_assets.lib import postgres, settings
from ecom_assets_tests.conftest import create_database
from ecom_assets_tests.reliability.conftest import Pipeline, checksums, materialize

REPO = Path(__file__).resolve().parents[2]
DIMS = ["staging/customers", "staging/products", "warehouse/dim_customers", "warehouse/dim_products"]
KEYS = ["staging/orders", "staging/order_items", "warehouse/fact_orders", "warehouse/fact_order_items"]


@pytest.fixture
def embedded_db(
    monkeypatch: pytest.MonkeyPatch, pipeline: Pipeline, tmp_path: Path
) -> Iterator[tuple[Path, str]]:
    pgdata = REPO / ".ecom" / "test-restart-postgres"  # inside the checkout, never under /root
    admin = postgres.embedded_url(pgdata)
    url = create_database(admin)
    monkeypatch.setenv(settings.ENV_DATABASE_URL, url)
    monkeypatch.setenv(settings.ENV_DATA_DIR, str(pipeline.data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    yield pgdata, url
    postgres.embedded_stop(pgdata)
    shutil.rmtree(pgdata, ignore_errors=True)


def test_server_restart_between_two_runs_loses_nothing(
    pipeline: Pipeline, embedded_db: tuple[Path, str]
) -> None:
    pgdata, url = embedded_db
    month = pipeline.months[1]
    resource = PostgresResource(
        database_url=url
    )  # one resource across the restart, as in a long-lived process
    assert materialize(url, DIMS, resource=resource).success
    assert materialize(url, KEYS, month, resource=resource).success
    before = checksums(url)
    assert any(v for v in before.values())

    assert postgres.embedded_stop(pgdata) is True
    assert postgres.embedded_status(pgdata)["running"] is False
    with pytest.raises(postgres.DatabaseUnavailable):
        with postgres.connect(url):
            pass
    assert postgres.embedded_url(pgdata)  # started again on the same cluster

    assert checksums(url) == before  # what was committed survived the restart
    with psycopg.connect(url, autocommit=True) as conn:  # make the next run load the month again
        conn.execute("DELETE FROM ops.staging_loads WHERE date_trunc('month', day) = %s::date", (month,))
    again = materialize(url, KEYS, month, resource=resource)
    assert again.success
    assert again.asset_materializations_for_node("staging__orders")[0].metadata["days_loaded"].value > 0
    assert checksums(url) == before
