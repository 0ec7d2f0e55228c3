"""The daily job, its schedule and the demo mode, on a small stand-in graph of the same shape."""

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest

from ecom_assets.defs.ops import jobs
from ecom_assets.defs.partitions import monthly_partitions
from ecom_assets.defs.run_values import AS_OF_TAG
from ecom_assets.lib import landing

seen: dict[str, object] = {}


@dg.asset(
    key=["raw", "orders"],
    group_name="raw",
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def orders(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    seen["orders_window"] = context.partition_time_window
    return dg.MaterializeResult()


@dg.asset(key=["analytics", "kpis"], group_name="analytics", deps=[["raw", "orders"]])
def kpis() -> dg.MaterializeResult:
    seen["kpis"] = True
    return dg.MaterializeResult()


@dg.asset(key=["raw", "synthetic_export"], group_name="raw", tags={"ecom/role": "generator"})
def synthetic_export() -> None:
    raise AssertionError("the daily job must never run the generator")


def _defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[orders, kpis, synthetic_export],
        jobs=[jobs.daily_job, jobs.simulate_day_job],
        schedules=[jobs.daily_schedule, jobs.demo_daily_schedule],
        sensors=[jobs.run_daily_after_simulated_day],
    )


def test_schedule_runs_the_month_of_the_day_before_the_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECOM_DEMO_DAILY", raising=False)
    tick = dt.datetime(2026, 11, 1, 6, tzinfo=dt.UTC)  # loads 2026-10-31: October, not November
    req = jobs.daily_schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert isinstance(req, dg.RunRequest)
    assert req.partition_key == "2026-10-01"
    assert req.tags[jobs.DAY_TAG] == "2026-10-31"
    assert req.run_key == "daily-2026-10-31"


def test_the_daily_run_carries_the_landed_as_of_date_as_a_tag(data_dir: Path) -> None:
    req = jobs.daily_run_request(dt.date(2026, 10, 31))
    assert isinstance(req, dg.RunRequest) and AS_OF_TAG not in req.tags  # nothing landed yet
    landing.write_as_of(dt.date(2026, 10, 30))  # the source is a day late: the data's date, not the tick's
    req = jobs.daily_run_request(dt.date(2026, 10, 31))
    assert isinstance(req, dg.RunRequest) and req.tags[AS_OF_TAG] == "2026-10-30"


def test_schedule_defers_to_the_demo_schedule_in_demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_DEMO_DAILY", "1")
    tick = dt.datetime(2026, 11, 2, 6, tzinfo=dt.UTC)
    assert isinstance(
        jobs.daily_schedule(dg.build_schedule_context(scheduled_execution_time=tick)), dg.SkipReason
    )
    assert isinstance(
        jobs.demo_daily_schedule(dg.build_schedule_context(scheduled_execution_time=tick)), dg.RunRequest
    )


def test_a_day_outside_the_partitions_is_skipped() -> None:
    assert isinstance(jobs.daily_run_request(dt.date(1999, 1, 1)), dg.SkipReason)


def test_daily_job_runs_everything_but_the_generator_for_one_month(
    pg_instance: dg.DagsterInstance,
) -> None:
    seen.clear()
    job = _defs().resolve_job_def("daily_job")
    result = job.execute_in_process(partition_key="2026-10-01", instance=pg_instance)
    assert result.success
    window = seen["orders_window"]
    assert (window.start.date(), window.end.date()) == (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    assert seen["kpis"] is True
    mats = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert mats == {"raw/orders", "analytics/kpis"}


def test_demo_day_lands_the_day_after_the_as_of_date_and_triggers_its_month(
    pg_instance: dg.DagsterInstance, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ecom_assets.lib.generator")
    pytest.importorskip("ecom_assets.defs.raw.importer")
    monkeypatch.setenv("ECOM_DEMO_SCALE", "0.02")
    landing.write_as_of(dt.date(2026, 10, 31))
    defs = _defs()
    result = defs.resolve_job_def("simulate_day_job").execute_in_process(instance=pg_instance)
    assert result.success
    assert result.output_for_node("simulate_new_day") == "2026-11-01"
    assert landing.as_of_date() == dt.date(2026, 11, 1)
    assert dt.date(2026, 11, 1) in landing.landed_files("orders")

    run = pg_instance.get_run_by_id(result.run_id)
    ctx = dg.build_run_status_sensor_context(
        sensor_name="run_daily_after_simulated_day",
        dagster_instance=pg_instance,
        dagster_run=run,
        dagster_event=result.get_run_success_event(),
    )
    req = jobs.run_daily_after_simulated_day(ctx)
    assert isinstance(req, dg.RunRequest)
    assert req.partition_key == "2026-11-01"
    assert req.tags[jobs.DAY_TAG] == "2026-11-01"
    assert req.tags[AS_OF_TAG] == "2026-11-01"  # the as-of date travels with the run
