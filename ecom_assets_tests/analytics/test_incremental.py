"""Incremental analytics builds give exactly what a full rebuild gives, day after day.

One real pipeline (generated export, import, ``runner.run_graph``) goes through the days a
deployment sees: the backfill, a new day, two new days across a month boundary, and an earlier
day re-exported with cancelled orders, an order moved to another customer and clickstream rows
gone. After each stage every analytics table is compared, by checksum of its rows, with a
``full_refresh`` rebuild of all analytics tables in a copy of the database (``CREATE DATABASE
... TEMPLATE``), so the incremental chain itself is what is checked, never reset by the
comparison.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd
import psycopg
import pytest
from psycopg import sql

from ecom_assets import runner
from ecom_assets.defs.analytics import assets as analytics_assets
from ecom_assets.defs.raw import importer
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.lib import generator, postgres, settings
from ecom_assets_tests.conftest import create_database, drop_database
from ecom_assets_tests.reliability.conftest import graph_keys, materialization_metadata, terminate_all

SCALE, SEED = 0.3, 11
# A month of the established shop: its launch weeks hold too few orders for change_day
START = dt.date(2026, 3, 1)
BASE_END = START + dt.timedelta(days=28)  # 2026-03-29
CHANGED_DAY = START + dt.timedelta(days=9)  # 2026-03-10
TABLES = [spec.name for spec in analytics_assets.TABLES]
INCREMENTAL = [spec.name for spec in analytics_assets.TABLES if spec.facts]


@dataclass
class Stage:
    name: str
    incremental: dict[str, str]  # analytics table -> checksum after the incremental run
    full: dict[str, str]  # the same after a full_refresh rebuild of a copy
    metadata: dict[str, dict[str, object]]  # analytics asset -> materialization metadata


def analytics_checksums(url: str) -> dict[str, str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return {t: postgres.table_checksum(conn, f"analytics.{t}") for t in TABLES}


def full_refresh_copy(admin_url: str, url: str) -> dict[str, str]:
    """Copy the database, rebuild every analytics table whole in the copy, return its checksums."""
    source = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    name = f"{source}_full_{uuid.uuid4().hex[:6]}"
    terminate_all(admin_url, source)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(source))
        )
    copy = psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    try:
        ops = {f"analytics__{t}": {"config": {"full_refresh": True}} for t in TABLES}
        with dg.DagsterInstance.ephemeral() as instance:
            result = dg.materialize(
                analytics_assets.TABLE_ASSETS,
                resources={"warehouse": PostgresResource(database_url=copy)},
                run_config={"ops": ops},
                instance=instance,
                raise_on_error=False,
            )
        assert result.success
        return analytics_checksums(copy)
    finally:
        drop_database(admin_url, copy)


def change_day(export: Path) -> None:
    """Re-export a day as a source system would after corrections: three orders cancelled, one
    order moved to another customer, every other clickstream event gone."""
    orders = pd.read_csv(export / "orders.csv", dtype=str, keep_default_na=False)
    assert len(orders) >= 6
    orders.loc[orders.index[:3], "order_status"] = "Cancelled"
    orders.loc[orders.index[3], "customer_id"] = orders.loc[orders.index[5], "customer_id"]
    orders.to_csv(export / "orders.csv", index=False)
    clicks = pd.read_csv(export / "clickstream.csv", dtype=str, keep_default_na=False)
    clicks.iloc[::2].to_csv(export / "clickstream.csv", index=False)


@pytest.fixture(scope="module")
def stages(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Stage]]:
    root = tmp_path_factory.mktemp("incremental")
    url = create_database(admin_url, prefix="ecom_incr")
    instance = dg.DagsterInstance.ephemeral()
    mp = pytest.MonkeyPatch()
    out: list[Stage] = []
    try:
        mp.setenv(settings.ENV_DATABASE_URL, url)
        mp.setenv(settings.ENV_DATA_DIR, str(root / "data"))
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        keys = graph_keys()

        def stage(name: str, start: dt.date | None = None, end: dt.date | None = None) -> None:
            summary = runner.run_graph(start, end, instance=instance, asset_selection=keys)
            assert summary.ok, (name, summary.failed_assets, summary.failed_checks)
            meta = materialization_metadata(instance, summary.run_id)
            out.append(
                Stage(
                    name,
                    analytics_checksums(url),
                    full_refresh_copy(admin_url, url),
                    {t: meta.get(f"analytics/{t}", {}) for t in TABLES},
                )
            )

        def land_days(*days: dt.date, change: bool = False) -> None:
            for day in days:
                export = root / f"day-{day}"
                generator.generate_day(export, day, scale=SCALE, seed=SEED)
                if change:
                    change_day(export)
                importer.import_export(export, as_of=day)

        generator.generate(root / "export", scale=SCALE, seed=SEED, start=START, end=BASE_END, progress=False)
        importer.import_export(root / "export")
        stage("backfill")
        day = BASE_END + dt.timedelta(days=1)
        land_days(day)
        stage("new day", day, day)
        two = [day + dt.timedelta(days=1), day + dt.timedelta(days=2)]  # Mar 31 and Apr 1
        land_days(*two)
        stage("two new days across a month boundary", two[0], two[1])
        as_of = two[1]
        export = root / f"changed-{CHANGED_DAY}"
        generator.generate_day(export, CHANGED_DAY, scale=SCALE, seed=SEED)
        change_day(export)
        importer.import_export(export, as_of=as_of)
        stage("an earlier day re-exported with changes", CHANGED_DAY, CHANGED_DAY)
        yield out
    finally:
        mp.undo()
        instance.dispose()
        drop_database(admin_url, url)


def test_every_stage_matches_a_full_rebuild(stages: list[Stage]) -> None:
    assert [s.name for s in stages][0] == "backfill" and len(stages) == 4
    for s in stages:
        assert s.incremental["daily_sales"] != "d41d8cd98f00b204e9800998ecf8427e", s.name  # md5 of no rows
        differing = sorted(t for t in TABLES if s.incremental[t] != s.full[t])
        assert differing == [], f"{s.name}: incremental differs from a full rebuild in {differing}"


def test_stages_change_the_tables(stages: list[Stage]) -> None:
    """The comparison has something to compare: each stage moves the sales tables."""
    for before, after in zip(stages, stages[1:], strict=False):
        for table in ("daily_sales", "customer_metrics"):
            assert before.incremental[table] != after.incremental[table], (after.name, table)


def test_first_build_is_full_then_incremental(stages: list[Stage]) -> None:
    assert INCREMENTAL, "no analytics table is built incrementally"
    for table in INCREMENTAL:
        first = stages[0].metadata[table]
        assert (first["build"], first["build_reason"]) == ("full", "first build"), table
        for s in stages[1:]:
            assert s.metadata[table]["build"] == "incremental", (s.name, table, s.metadata[table])
            assert s.metadata[table]["changed_fact_days"] >= 1, (s.name, table)
    new_day = stages[1].metadata
    assert new_day["daily_sales"]["changed_months"] == "2026-03"
    assert stages[2].metadata["daily_sales"]["changed_months"] == "2026-03, 2026-04"
