"""Alerts: failed runs and failed blocking checks, sent where the environment says.

Destination: ``ECOM_ALERT_WEBHOOK_URL`` (a JSON POST per alert) when set, else JSON lines
appended to ``ECOM_ALERT_LOG`` (default ``$ECOM_DATA_DIR/alerts.log``). The webhook URL often
carries a token, so it is never logged or put in an alert: messages name it by its host only.
A webhook that fails falls back to the log file, so an alert is never lost silently.

Two sensors. ``run_failure_alert`` fires once per failed run, with the failed steps and
their errors. ``blocking_check_alert`` reads check evaluations from the event log since its
cursor, so a failed blocking check is reported whatever the run did afterwards and also for
runs launched outside the daemon (``ecom run`` writes to the same instance).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.event_api import EventRecordsFilter
from dagster._core.events import DagsterEventType

from ecom_assets.lib import settings

ENV_WEBHOOK_URL = "ECOM_ALERT_WEBHOOK_URL"
ENV_ALERT_LOG = "ECOM_ALERT_LOG"
WEBHOOK_TIMEOUT_S = 10
MAX_EVENTS_PER_TICK = 500


def alert_log_path() -> Path:
    return Path(os.environ.get(ENV_ALERT_LOG) or settings.data_dir() / "alerts.log")


def webhook_url() -> str | None:
    return os.environ.get(ENV_WEBHOOK_URL) or None


def describe_destination() -> str:
    """Where alerts go, safe to log: a webhook is named by scheme and host only."""
    url = webhook_url()
    if url:
        parts = urllib.parse.urlsplit(url)
        return f"webhook {parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}/..."
    return f"file {alert_log_path()}"


def _append(payload: Mapping[str, Any]) -> Path:
    path = alert_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(payload, sort_keys=True, default=str) + "\n")
    return path


def send_alert(payload: Mapping[str, Any], log: Any = None) -> str:
    """Deliver one alert; returns where it went (safe to log)."""
    payload = {"sent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **payload}
    url = webhook_url()
    if url:
        body = json.dumps(payload, default=str).encode()
        req = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=WEBHOOK_TIMEOUT_S) as resp:
                resp.read()
            return describe_destination()
        except (urllib.error.URLError, OSError) as exc:
            # str(exc) of an HTTPError or URLError does not contain the URL itself.
            reason = getattr(exc, "code", None) or getattr(exc, "reason", None) or type(exc).__name__
            if log is not None:
                log.error(f"alert to {describe_destination()} failed ({reason}); writing to the log file")
            payload = {**payload, "webhook_error": str(reason)}
    return f"file {_append(payload)}"


def _error_text(error: Any) -> str | None:
    """The message of a SerializableErrorInfo, with the root cause (user code errors wrap it)."""
    if error is None:
        return None
    text = (error.message or "").strip()
    cause = error.cause
    while cause is not None:
        text = (cause.message or "").strip() or text
        cause = cause.cause
    return text


def step_assets(instance: dg.DagsterInstance, run_id: str) -> dict[str, list[str]]:
    """Which assets each step of a run was planned to materialize (step key -> asset keys)."""
    records = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED
    ).records
    out: dict[str, list[str]] = {}
    for rec in records:
        event = rec.event_log_entry.dagster_event
        if event is None or event.asset_key is None:
            continue
        keys = out.setdefault(event.step_key or "", [])
        if (key := event.asset_key.to_user_string()) not in keys:
            keys.append(key)
    return out


def failed_steps(instance: dg.DagsterInstance, run_id: str) -> list[dict[str, Any]]:
    """The failed steps of a run with their assets and errors, oldest first."""
    assets = step_assets(instance, run_id)
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.STEP_FAILURE).records
    out = []
    for rec in records:
        event = rec.event_log_entry.dagster_event
        if event is None:
            continue
        out.append(
            {
                "step": event.step_key,
                "assets": assets.get(event.step_key or "", []),
                "error": _error_text(event.event_specific_data.error),
            }
        )
    return out


def failed_checks(instance: dg.DagsterInstance, run_id: str) -> list[dict[str, Any]]:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
    out = []
    for rec in records:
        ev = rec.event_log_entry.dagster_event.event_specific_data
        if not ev.passed:
            out.append(_check_alert_fields(ev))
    return out


def _check_alert_fields(ev: Any) -> dict[str, Any]:
    return {
        "asset": ev.asset_key.to_user_string(),
        "check": ev.check_name,
        "blocking": bool(ev.blocking),
        "partition": ev.partition,
        "error": ev.description or f"check {ev.check_name} failed",
    }


@dg.run_failure_sensor(
    name="run_failure_alert",
    monitor_all_code_locations=False,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reports every failed run (job, failed assets, errors) to the alert destination.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    steps = failed_steps(context.instance, run.run_id)
    run_error = _error_text(getattr(context.failure_event.event_specific_data, "error", None))
    payload = {
        "kind": "run_failure",
        "run_id": run.run_id,
        "job": run.job_name,
        "partition": run.tags.get("dagster/partition"),
        "asset": ", ".join(steps[0]["assets"]) or steps[0]["step"] if steps else None,
        "failed_steps": steps,
        "failed_checks": failed_checks(context.instance, run.run_id),
        "error": (steps[0]["error"] if steps else None) or run_error or context.failure_event.message,
    }
    where = send_alert(payload, context.log)
    context.log.info(f"run {run.run_id} failed: alert sent to {where}")


@dg.sensor(
    name="blocking_check_alert",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reports failed blocking asset checks (read from the event log since the last tick).",
)
def blocking_check_alert(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    storage = context.instance.event_log_storage
    if context.cursor is None:
        # First tick: start from now, do not replay the history as alerts.
        latest = storage.get_event_records(
            EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION),
            limit=1,
            ascending=False,
        )
        context.update_cursor(str(latest[0].storage_id if latest else 0))
        return dg.SkipReason("first tick: watching check evaluations from now on")
    records = storage.get_event_records(
        EventRecordsFilter(
            event_type=DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=int(context.cursor)
        ),
        limit=MAX_EVENTS_PER_TICK,
        ascending=True,
    )
    sent = 0
    for rec in records:
        ev = rec.event_log_entry.dagster_event.event_specific_data
        if not ev.passed and ev.blocking:
            payload = {
                "kind": "blocking_check_failed",
                "run_id": rec.run_id,
                "job": rec.event_log_entry.job_name,
                **_check_alert_fields(ev),
            }
            send_alert(payload, context.log)
            sent += 1
    if records:
        context.update_cursor(str(records[-1].storage_id))
    return dg.SkipReason(f"{len(records)} check evaluations read, {sent} alerts sent")
