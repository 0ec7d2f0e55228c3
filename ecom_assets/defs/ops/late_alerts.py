"""Alerts about data that did not come: stale assets, and a daily run missing at its deadline.

A failed run alerts by itself; a run that never happens (daemon down, schedule turned off, a
run stuck in the queue) raises nothing, and neither does data quietly growing old. Two sensors
watch for that:

``freshness_alert``: an asset whose latest materialization is older than its freshness policy's
fail window (30 h, ``freshness.py``) is stale. Evaluated here from the assets' own policies and
the instance's asset records, as Dagster's freshness daemon does for the UI, so it works on
any instance, daemon option or not. One alert per stale episode, naming every newly stale
asset; an asset never materialized is not judged (nothing to be late with yet).

``missed_run_alert``: each tick of the daily schedule (``ECOM_DAILY_CRON`` in
``ECOM_TIMEZONE``) must be followed by a successful ``daily_job`` (or ``ecom run``'s
``pipeline_job``) within ``ECOM_RUN_DEADLINE`` (default 4 h). Checked once the deadline has
passed, one alert per missed day. It applies once the pipeline is in daily use: when
``daily_job`` has ever succeeded on this instance, or when ``ECOM_RUN_DEADLINE`` is set
explicitly (e.g. a server that runs ``ecom run`` from cron). A local demo is never paged.
If daily runs stop on purpose, turn the sensor off in the UI (Automation).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

import dagster as dg

from ecom_assets.defs.ops import alerts
from ecom_assets.defs.ops.jobs import DEFAULT_CRON, DEFAULT_TIMEZONE, ENV_SCHEDULE_CRON, ENV_TIMEZONE
from ecom_assets.lib import settings

DAILY_JOBS = ("daily_job", "pipeline_job")

# ---------------------------------------------------------------- freshness


def fail_windows(asset_graph: object) -> dict[dg.AssetKey, dt.timedelta]:
    """The fail window of every asset that has a time-window freshness policy."""
    out = {}
    for node in asset_graph.asset_nodes:  # type: ignore[attr-defined]
        policy = getattr(node, "freshness_policy", None)
        window = getattr(policy, "fail_window", None)
        if window is not None:
            out[node.key] = window.to_timedelta() if hasattr(window, "to_timedelta") else window
    return out


def stale_assets(
    instance: dg.DagsterInstance, windows: Mapping[dg.AssetKey, dt.timedelta], now: float
) -> dict[str, float]:
    """Assets older than their fail window at ``now``: key -> timestamp of the latest materialization."""
    out = {}
    for record in instance.get_asset_records(list(windows)):
        last = record.asset_entry.last_materialization
        key = record.asset_entry.asset_key
        if last is not None and now - last.timestamp >= windows[key].total_seconds():
            out[key.to_user_string()] = last.timestamp
    return out


def freshness_message(new: Mapping[str, float], stale_count: int, now: float) -> dict:
    keys = sorted(new, key=lambda k: new[k])
    ages = [f"{k} ({(now - new[k]) / 3600:.0f} h)" for k in keys]
    text = (
        f"stale data: {len(new)} asset{'s' if len(new) != 1 else ''} not updated within "
        f"{'its' if len(new) == 1 else 'their'} freshness window: {alerts.names(ages)}. "
        f"The daily run has not refreshed {'it' if len(new) == 1 else 'them'}."
        f"\nAssets: {alerts.asset_link(keys[0]) if len(keys) == 1 else settings.ui_url() + '/assets'}"
    )
    return alerts.message("freshness", text, assets=keys, stale_total=stale_count)


@dg.sensor(
    name="freshness_alert",
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reports assets that became stale (older than their freshness policy's fail "
    "window), once per stale episode.",
)
def freshness_alert(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    windows = fail_windows(context.repository_def.asset_graph)
    cursor, summary = check_freshness(context.instance, windows, context.cursor, time.time(), context.log)
    context.update_cursor(cursor)
    return dg.SkipReason(summary)


def check_freshness(
    instance: dg.DagsterInstance,
    windows: Mapping[dg.AssetKey, dt.timedelta],
    cursor: str | None,
    now: float,
    log: object = None,
) -> tuple[str, str]:
    """Alert the assets stale at ``now`` that were not already alerted with the same
    materialization (the cursor); returns (cursor, summary)."""
    stale = stale_assets(instance, windows, now)
    alerted: dict[str, float] = json.loads(cursor) if cursor else {}
    new = {k: ts for k, ts in stale.items() if alerted.get(k) != ts}
    if new:
        alerts.send_alert(freshness_message(new, len(stale), now), log)
    summary = f"{len(windows)} assets watched, {len(stale)} stale, {len(new)} newly alerted"
    return json.dumps(stale, sort_keys=True), summary


# ---------------------------------------------------------------- missed daily run


def schedule_ticks(after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """The daily schedule's ticks in ``(after, until]``, in its time zone (Dagster's cron rules)."""
    cron = os.environ.get(ENV_SCHEDULE_CRON) or DEFAULT_CRON
    tz = os.environ.get(ENV_TIMEZONE) or DEFAULT_TIMEZONE
    start = (after.astimezone(ZoneInfo(tz)) - dt.timedelta(days=2)).replace(tzinfo=None)
    ticks = dg.TimeWindowPartitionsDefinition(
        cron_schedule=cron,
        start=start.replace(hour=0, minute=0),
        timezone=tz,
        fmt="%Y-%m-%dT%H:%M",
        end_offset=1,
    )
    out = []
    for key in ticks.get_partition_keys(current_time=until):
        tick = ticks.time_window_for_partition_key(key).start
        if after < tick <= until:
            out.append(tick)
    return out


def daily_runs_expected(instance: dg.DagsterInstance) -> bool:
    if os.environ.get(settings.ENV_RUN_DEADLINE):
        return True
    done = instance.get_run_records(
        filters=dg.RunsFilter(job_name="daily_job", statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1
    )
    return bool(done)


def runs_since(instance: dg.DagsterInstance, tick: dt.datetime) -> list[dg.DagsterRun]:
    """Runs of the daily jobs created at or after ``tick``, newest first."""
    runs = []
    for job in DAILY_JOBS:
        records = instance.get_run_records(
            filters=dg.RunsFilter(job_name=job, created_after=tick.astimezone(dt.UTC)), limit=20
        )
        runs += [r.dagster_run for r in records]
    return runs


def missed_run_message(tick: dt.datetime, deadline: dt.timedelta, runs: Sequence[dg.DagsterRun]) -> dict:
    due = tick + deadline
    if runs:
        latest = runs[0]
        state = f"its latest run is {latest.status.value.lower()}: {alerts.run_link(latest.run_id)}"
    else:
        state = "no daily_job run started since: is the daemon running and daily_schedule on?"
    text = (
        f"missed daily run: daily_job has not succeeded since the {tick:%Y-%m-%d %H:%M %Z} tick "
        f"(due by {due:%H:%M %Z}, ECOM_RUN_DEADLINE={_hours(deadline)}); {state}"
        f"\nRuns: {settings.ui_url()}/runs"
    )
    return alerts.message(
        "missed_run",
        text,
        job="daily_job",
        tick=tick.isoformat(),
        due=due.isoformat(),
        latest_run_id=runs[0].run_id if runs else None,
    )


def _hours(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes % 60 else f"{minutes // 60}h"


def check_deadlines(
    instance: dg.DagsterInstance, cursor: str | None, now: dt.datetime, log: object = None
) -> tuple[str, str]:
    """Alert every tick whose deadline passed in ``(cursor, now]``; returns (cursor, summary)."""
    if cursor is None:  # first tick: watch from now on, do not page about the past
        return now.isoformat(), "first tick: watching deadlines from now on"
    deadline = settings.run_deadline()
    since = dt.datetime.fromisoformat(cursor)
    ticks = schedule_ticks(since - deadline, now - deadline)
    if not ticks:
        return now.isoformat(), "no deadline passed since the last tick"
    if not daily_runs_expected(instance):
        return (
            now.isoformat(),
            "daily_job has never succeeded here and ECOM_RUN_DEADLINE is unset: not watching",
        )
    missed = 0
    for tick in ticks:
        runs = runs_since(instance, tick)
        if not any(r.status == dg.DagsterRunStatus.SUCCESS for r in runs):
            alerts.send_alert(missed_run_message(tick, deadline, runs), log)
            missed += 1
    return now.isoformat(), f"{len(ticks)} deadlines passed, {missed} missed"


@dg.sensor(
    name="missed_run_alert",
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reports a day whose daily run has not succeeded by ECOM_RUN_DEADLINE after the "
    "daily schedule's tick (daemon down, schedule off, run stuck or failed).",
)
def missed_run_alert(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    cursor, summary = check_deadlines(context.instance, context.cursor, dt.datetime.now(dt.UTC), context.log)
    context.update_cursor(cursor)
    return dg.SkipReason(summary)
