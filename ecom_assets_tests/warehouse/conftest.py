"""Warehouse test fixtures: a fresh database with the staging and warehouse tables, as-of set."""

from __future__ import annotations

import pytest

from ecom_assets_tests.warehouse.helpers import prepare


@pytest.fixture
def wh_url(fresh_db_url: str) -> str:
    prepare(fresh_db_url)
    return fresh_db_url
