"""Stale data and a missed daily run alert too, on each instance the project configures.

The sensors take "now" from the clock; the functions they call take it as an argument, so a
test evaluates them as of 31 hours later instead of waiting (the assets and runs are real).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import dagster as dg
import pytest

from ecom_assets.definitions import defs
from ecom_assets.defs.ops import late_alerts
from ecom_assets.defs.ops.freshness import DAILY_FRESHNESS, FAIL_AFTER
from ecom_assets_tests.ops.conftest import SlackHook

HOUR = 3600.0


@dg.asset(freshness_policy=DAILY_FRESHNESS)
def orders_fresh() -> None:
    pass


@dg.asset(freshness_policy=DAILY_FRESHNESS)
def never_built() -> None:
    pass


@dg.asset
def ok() -> None:
    pass


@dg.asset
def fails() -> None:
    raise RuntimeError("source file missing")


TEST_DEFS = dg.Definitions(
    assets=[orders_fresh, never_built, ok],
    jobs=[
        dg.define_asset_job("daily_job", selection=[ok]),
        dg.define_asset_job("pipeline_job", selection=[ok]),
    ],
)
FAILING_DEFS = dg.Definitions(assets=[fails], jobs=[dg.define_asset_job("daily_job", selection=[fails])])


@pytest.fixture
def hook(slack: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ECOM_ALERT_WEBHOOK_URL", f"{slack}/services/T0000/B0000/s3cr3t-T0KEN")
    monkeypatch.setenv("ECOM_UI_URL", "https://dagster.example.com")
    monkeypatch.setenv("ECOM_DAILY_CRON", "0 6 * * *")
    monkeypatch.setenv("ECOM_TIMEZONE", "UTC")
    monkeypatch.delenv("ECOM_RUN_DEADLINE", raising=False)
    return slack


def test_every_asset_of_the_code_location_is_watched() -> None:
    windows = late_alerts.fail_windows(defs().resolve_asset_graph())
    graph = defs().resolve_asset_graph()
    expected = {k for k in graph.get_all_asset_keys() if graph.get(k).tags.get("ecom/role") != "generator"}
    assert set(windows) == expected and len(expected) > 30
    assert set(windows.values()) == {FAIL_AFTER}


def test_stale_assets_alert_once_per_episode(instance: dg.DagsterInstance, hook: str, data_dir: Path) -> None:
    windows = late_alerts.fail_windows(TEST_DEFS.resolve_asset_graph())
    assert set(windows) == {orders_fresh.key, never_built.key}
    dg.materialize([orders_fresh], instance=instance)
    now = time.time()

    cursor, summary = late_alerts.check_freshness(instance, windows, None, now)
    assert SlackHook.accepted == [] and "0 stale" in summary  # fresh; never_built is not judged

    cursor, _ = late_alerts.check_freshness(instance, windows, cursor, now + 31 * HOUR)
    assert len(SlackHook.accepted) == 1, SlackHook.refused
    alert = SlackHook.accepted[0]
    assert alert["kind"] == "freshness" and alert["assets"] == ["orders_fresh"]
    assert alert["text"] == (
        "[ecom] stale data: 1 asset not updated within its freshness window: orders_fresh (31 h). "
        "The daily run has not refreshed it.\nAssets: https://dagster.example.com/assets/orders_fresh"
    )

    cursor, _ = late_alerts.check_freshness(instance, windows, cursor, now + 40 * HOUR)
    assert len(SlackHook.accepted) == 1  # the same stale episode is not alerted again

    dg.materialize([orders_fresh], instance=instance)  # fresh again, then stale again: a new episode
    cursor, _ = late_alerts.check_freshness(instance, windows, cursor, time.time() + 30.5 * HOUR)
    assert len(SlackHook.accepted) == 2


def _last_tick_before(moment: dt.datetime) -> dt.datetime:
    tick = moment.replace(hour=6, minute=0, second=0, microsecond=0)
    return tick if tick <= moment else tick - dt.timedelta(days=1)


def _check(instance: dg.DagsterInstance, tick: dt.datetime, days: int = 1) -> str:
    """The sensor's evaluation just after the deadline of ``tick``, last evaluated ``days`` earlier."""
    deadline = dt.timedelta(hours=4)
    since = tick + deadline - dt.timedelta(days=days) + dt.timedelta(minutes=1)
    _, summary = late_alerts.check_deadlines(
        instance, since.isoformat(), tick + deadline + dt.timedelta(minutes=1)
    )
    return summary


def test_missed_daily_run_is_alerted_once_the_pipeline_runs_daily(
    instance: dg.DagsterInstance, hook: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tick = _last_tick_before(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    # first evaluation ever: watch from now on
    cursor, summary = late_alerts.check_deadlines(instance, None, tick)
    assert cursor == tick.isoformat() and "first tick" in summary

    # a fresh install (daily_job never succeeded, no deadline configured): nobody is paged
    assert "not watching" in _check(instance, tick)
    assert SlackHook.accepted == []

    # ECOM_RUN_DEADLINE set: no run since the tick is a missed day
    monkeypatch.setenv("ECOM_RUN_DEADLINE", "4h")
    assert "1 missed" in _check(instance, tick)
    alert = SlackHook.accepted[-1]
    assert alert["kind"] == "missed_run" and alert["tick"] == tick.isoformat()
    assert alert["text"] == (
        f"[ecom] missed daily run: daily_job has not succeeded since the {tick:%Y-%m-%d} 06:00 UTC tick "
        "(due by 10:00 UTC, ECOM_RUN_DEADLINE=4h); no daily_job run started since: is the daemon "
        "running and daily_schedule on?\nRuns: https://dagster.example.com/runs"
    )
    # the daemon was down for two days: both days are reported when it comes back
    assert "2 deadlines passed, 2 missed" in _check(instance, tick, days=2)


def test_a_failed_or_successful_daily_run_decides(
    instance: dg.DagsterInstance, hook: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tick = _last_tick_before(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    monkeypatch.setenv("ECOM_RUN_DEADLINE", "4h")
    failed = FAILING_DEFS.resolve_job_def("daily_job").execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert not failed.success
    assert "1 missed" in _check(instance, tick)
    assert (
        f"its latest run is failure: https://dagster.example.com/runs/{failed.run_id}"
        in (SlackHook.accepted[-1]["text"])
    )

    monkeypatch.delenv("ECOM_RUN_DEADLINE")
    pipeline = TEST_DEFS.resolve_job_def("pipeline_job").execute_in_process(instance=instance)
    assert pipeline.success
    assert "not watching" in _check(instance, tick)  # no daily_job success yet: not in daily use
    assert TEST_DEFS.resolve_job_def("daily_job").execute_in_process(instance=instance).success
    before = len(SlackHook.accepted)
    assert "1 deadlines passed, 0 missed" in _check(instance, tick)  # in daily use, and today's ran
    # the next day nothing ran: one alert
    assert "1 deadlines passed, 1 missed" in _check(instance, tick + dt.timedelta(days=1))
    assert len(SlackHook.accepted) == before + 1
    assert "no daily_job run started since" in SlackHook.accepted[-1]["text"]
