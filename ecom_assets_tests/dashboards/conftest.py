"""Fixtures: a private database holding the hand-made analytics layer, and the built files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from ecom_assets.defs.dashboards import build, spec
from ecom_assets_tests.conftest import create_database, drop_database
from ecom_assets_tests.dashboards.fixtures import (
    EXTRA_BRANDS,
    EXTRA_CAMPAIGNS,
    EXTRA_DAYS,
    EXTRA_PRODUCTS,
    create_analytics_fixture,
    grow_analytics_fixture,
)


@pytest.fixture(scope="session")
def analytics_url(admin_url: str) -> Iterator[str]:
    """A database of its own (the session database may hold the real analytics tables)."""
    url = create_database(admin_url, prefix="ecom_test_dash")
    create_analytics_fixture(url)
    yield url
    drop_database(admin_url, url)


@dataclass
class Built:
    outputs: build.Outputs
    frames: dict


@pytest.fixture(scope="session")
def built(analytics_url: str, tmp_path_factory: pytest.TempPathFactory) -> Built:
    out_dir: Path = tmp_path_factory.mktemp("dashboards")
    with psycopg.connect(analytics_url) as conn:
        frames = build.load_frames(conn)
        outputs = build.write_dashboards(conn, out_dir)
    return Built(outputs, frames)


@dataclass
class Grown:
    """The hand-made layer grown past every chart's bound (test_bounds, test_browser)."""

    url: str
    frames: dict
    charts: dict[str, spec.ChartSpec]


@pytest.fixture(scope="session")
def grown(admin_url: str) -> Iterator[Grown]:
    url = create_database(admin_url, prefix="ecom_test_dash_big")
    try:
        create_analytics_fixture(url)
        grow_analytics_fixture(
            url, products=EXTRA_PRODUCTS, brands=EXTRA_BRANDS, campaigns=EXTRA_CAMPAIGNS, days=EXTRA_DAYS
        )
        with psycopg.connect(url) as conn:
            frames = build.load_frames(conn)
        specs = {c.id: c for d in build.build_dashboards(frames) for c in d.charts}
        yield Grown(url, frames, specs)
    finally:
        drop_database(admin_url, url)
