"""Alerts about runs: every failed run, and a failed blocking check while its run still goes.

``run_failure_alert`` fires once per failed run on the instance, including runs made outside
the daemon (``ecom run`` writes to the same instance), with the job, the failing step or
blocking check, the partition and a link to the run. A failed blocking check fails its step, so
its run ends failed and this alert names the check as the cause.

``blocking_check_alert`` is there for long runs (a backfill takes minutes): it reports a failed
blocking check of a run that is still running, at most a minute after the check failed,
instead of when the run ends. It reads each running run's own events from a per-run cursor,
which works on every event-log storage (the CLI's run-sharded SQLite files and the Compose
PostgreSQL alike). A run that ended before the sensor looked is left to ``run_failure_alert``.
"""

from __future__ import annotations

import json
from typing import Any

import dagster as dg

from ecom_assets.defs.ops import alerts


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
        run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED
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
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
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


def check_fields(evaluation: Any) -> dict[str, Any]:
    return {
        "asset": evaluation.asset_key.to_user_string(),
        "check": evaluation.check_name,
        "blocking": bool(evaluation.blocking),
        "partition": evaluation.partition,
        "error": evaluation.description or f"check {evaluation.check_name} failed",
    }


def failed_checks(
    instance: dg.DagsterInstance, run_id: str, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str]:
    """Failed check evaluations of one run after ``cursor``, and the cursor past them."""
    conn = instance.get_records_for_run(
        run_id, cursor=cursor, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    )
    out = []
    for rec in conn.records:
        evaluation = rec.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed:
            out.append(check_fields(evaluation))
    return out, conn.cursor


def planned_assets(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [key for keys in step_assets(instance, run_id).values() for key in keys]


def run_failure_message(instance: dg.DagsterInstance, run: dg.DagsterRun, run_error: str | None) -> dict:
    steps = failed_steps(instance, run.run_id)
    checks, _ = failed_checks(instance, run.run_id)
    blocking = [c for c in checks if c["blocking"]]
    partition = alerts.partition_label(run.tags)
    where = f" (partition {partition})" if partition else ""
    if blocking:
        first = blocking[0]
        cause = f"blocking check {first['asset']} {first['check']} failed: {alerts.trimmed(first['error'])}"
        if len(blocking) > 1:
            cause += f" (and {len(blocking) - 1} more blocking checks)"
    elif steps:
        first = steps[0]
        label = ", ".join(first["assets"]) or first["step"]
        cause = f"step {label} failed: {alerts.trimmed(first['error'] or run_error)}"
        if len(steps) > 1:
            cause += f" (and {len(steps) - 1} more steps)"
    else:
        cause = alerts.trimmed(run_error) or "the run failed"
    label = alerts.job_label(run, planned_assets(instance, run.run_id))
    text = f"{label} failed{where}: {cause}\nRun: {alerts.run_link(run.run_id)}"
    return alerts.message(
        "run_failure",
        text,
        run_id=run.run_id,
        job=run.job_name,
        partition=partition,
        asset=(", ".join(steps[0]["assets"]) or steps[0]["step"]) if steps else None,
        failed_steps=steps,
        failed_checks=checks,
        error=(steps[0]["error"] if steps else None) or run_error,
        url=alerts.run_link(run.run_id),
    )


@dg.run_failure_sensor(
    name="run_failure_alert",
    # Every run on the instance: also `ecom run`'s, which has no code-location origin.
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reports every failed run (job, failing step or blocking check, partition, link) "
    "to the alert destination (ECOM_ALERT_WEBHOOK_URL or the alert log).",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    run_error = _error_text(getattr(context.failure_event.event_specific_data, "error", None))
    payload = run_failure_message(context.instance, run, run_error or context.failure_event.message)
    where = alerts.send_alert(payload, context.log)
    context.log.info(f"run {run.run_id} failed: alert sent to {where}")


@dg.sensor(
    name="blocking_check_alert",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reports a failed blocking asset check while its run is still running (long "
    "backfills); the run's failure alert follows when it ends.",
)
def blocking_check_alert(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    cursors: dict[str, str | None] = json.loads(context.cursor) if context.cursor else {}
    running = context.instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]), limit=50
    )
    sent, kept = 0, {}
    for record in running:
        run = record.dagster_run
        checks, kept[run.run_id] = failed_checks(context.instance, run.run_id, cursors.get(run.run_id))
        for check in (c for c in checks if c["blocking"]):
            where = f" (partition {check['partition']})" if check["partition"] else ""
            text = (
                f"blocking check {check['asset']} {check['check']} failed in "
                f"{alerts.job_label(run, planned_assets(context.instance, run.run_id))}"
                f"{where}: {alerts.trimmed(check['error'])}. What depends on {check['asset']} is "
                f"skipped; the run goes on.\nRun: {alerts.run_link(run.run_id)}"
            )
            payload = alerts.message(
                "blocking_check_failed",
                text,
                run_id=run.run_id,
                job=run.job_name,
                url=alerts.run_link(run.run_id),
                **check,
            )
            alerts.send_alert(payload, context.log)
            sent += 1
    context.update_cursor(json.dumps(kept, sort_keys=True))
    return dg.SkipReason(f"{len(running)} running runs read, {sent} failed blocking checks alerted")
