"""Failed runs and failed blocking checks reach the webhook or the log file, token never logged."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEventType

from ecom_assets.defs.ops import alerts

SECRET = "s3cr3t-T0KEN"


@dg.asset(group_name="t")
def prices() -> dg.MaterializeResult:
    return dg.MaterializeResult()


@dg.asset_check(asset=prices, blocking=True)
def prices_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="3 rows with price <= 0")


@dg.asset_check(asset=prices)
def prices_warn_only() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="warn-level, not alerted by the check sensor")


@dg.asset(group_name="t")
def broken() -> None:
    raise ValueError("relation staging.orders does not exist")


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((self.path, json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/{SECRET}?token={SECRET}"
    server.shutdown()


def _failed_run(instance: dg.DagsterInstance) -> dg.DagsterRun:
    result = dg.materialize([broken], instance=instance, raise_on_error=False)
    assert not result.success
    return instance.get_run_by_id(result.run_id)


def _run_failure_context(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dg.RunFailureSensorContext:
    failure = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.RUN_FAILURE).records
    return dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=failure[0].event_log_entry.dagster_event,
    ).for_run_failure()


def test_run_failure_goes_to_the_log_file_by_default(
    pg_instance: dg.DagsterInstance, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOM_ALERT_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("ECOM_ALERT_LOG", raising=False)
    run = _failed_run(pg_instance)
    alerts.run_failure_alert(_run_failure_context(pg_instance, run))
    lines = (data_dir / "alerts.log").read_text().splitlines()
    assert len(lines) == 1
    alert = json.loads(lines[0])
    assert alert["kind"] == "run_failure"
    assert alert["run_id"] == run.run_id
    assert alert["job"] == run.job_name
    assert alert["asset"] == "broken"
    assert "relation staging.orders does not exist" in alert["error"]


def test_run_failure_posts_to_the_webhook_without_logging_its_token(
    pg_instance: dg.DagsterInstance,
    data_dir: Path,
    webhook: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ECOM_ALERT_WEBHOOK_URL", webhook)
    run = _failed_run(pg_instance)
    alerts.run_failure_alert(_run_failure_context(pg_instance, run))
    assert len(_Hook.received) == 1
    path, alert = _Hook.received[0]
    assert SECRET in path  # the token reached the receiver...
    assert alert["run_id"] == run.run_id and alert["asset"] == "broken"
    assert not (data_dir / "alerts.log").exists()
    out = capsys.readouterr()
    assert SECRET not in caplog.text + out.out + out.err  # ...and nothing logged it
    assert alerts.describe_destination().startswith("webhook http://127.0.0.1:")


def test_unreachable_webhook_falls_back_to_the_log_file(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    monkeypatch.setenv("ECOM_ALERT_WEBHOOK_URL", f"http://127.0.0.1:9/{SECRET}")
    log = logging.getLogger("ecom.test.alerts")
    where = alerts.send_alert({"kind": "run_failure", "run_id": "r1"}, log)
    assert where == f"file {data_dir / 'alerts.log'}"
    alert = json.loads((data_dir / "alerts.log").read_text())
    assert alert["run_id"] == "r1" and alert["webhook_error"]
    assert SECRET not in caplog.text and SECRET not in json.dumps(alert)
    assert "alert to webhook http://127.0.0.1:9/... failed" in caplog.text


def test_failed_blocking_check_is_alerted_once(
    pg_instance: dg.DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_file = tmp_path / "custom" / "alerts.jsonl"
    monkeypatch.delenv("ECOM_ALERT_WEBHOOK_URL", raising=False)
    monkeypatch.setenv("ECOM_ALERT_LOG", str(log_file))
    # A failure before the sensor's first tick is history, not an alert.
    dg.materialize([prices, prices_positive, prices_warn_only], instance=pg_instance, raise_on_error=False)
    ctx = dg.build_sensor_context(instance=pg_instance)
    alerts.blocking_check_alert(ctx)
    assert not log_file.exists()

    result = dg.materialize(
        [prices, prices_positive, prices_warn_only], instance=pg_instance, raise_on_error=False
    )
    alerts.blocking_check_alert(ctx)
    lines = [json.loads(x) for x in log_file.read_text().splitlines()]
    assert [(a["kind"], a["asset"], a["check"], a["run_id"]) for a in lines] == [
        ("blocking_check_failed", "prices", "prices_positive", result.run_id)
    ]
    assert lines[0]["error"] == "3 rows with price <= 0"

    alerts.blocking_check_alert(ctx)  # nothing new since the cursor
    assert len(log_file.read_text().splitlines()) == 1
