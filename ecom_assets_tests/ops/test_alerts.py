"""Alerts reach a chat channel as Slack's incoming webhooks accept them, or the log file; the
webhook's token is never logged; every sensor ticks on each instance the project configures."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from ecom_assets.definitions import defs
from ecom_assets.defs.ops import alerts, run_alerts
from ecom_assets_tests.ops.conftest import SLACK_TOKEN, SlackHook

SECRET = SLACK_TOKEN.rsplit("/", 1)[1]
release = threading.Event()


@dg.asset(group_name="t")
def prices() -> dg.MaterializeResult:
    return dg.MaterializeResult()


@dg.asset_check(asset=prices, blocking=True)
def prices_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="3 rows with price <= 0")


@dg.asset_check(asset=prices)
def prices_warn_only() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="warn-level: not a blocking failure")


@dg.asset(group_name="t")
def broken() -> None:
    raise ValueError("relation staging.orders does not exist")


@dg.asset(
    group_name="t",
    check_specs=[dg.AssetCheckSpec("stock_known", asset="stock", blocking=True)],
)
def stock() -> dg.MaterializeResult:
    """As the pipeline's assets do: the check result returned with the materialization."""
    return dg.MaterializeResult(
        check_results=[
            dg.AssetCheckResult(check_name="stock_known", passed=False, description="2 unknown SKUs")
        ]
    )


@dg.asset(group_name="t")
def zz_trailing() -> None:
    """Keeps its run going (after `stock`'s step) until the test lets it finish."""
    assert release.wait(120)


@pytest.fixture
def hook(slack: str, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"{slack}/services/{SLACK_TOKEN}"
    monkeypatch.setenv("ECOM_ALERT_WEBHOOK_URL", url)
    monkeypatch.setenv("ECOM_UI_URL", "https://dagster.example.com/")
    return url


def _tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None) -> str | None:
    """One evaluation as the daemon's gRPC call makes it; returns the new cursor."""
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs())
    return sensor.evaluate_tick(context).cursor


def test_the_webhook_server_enforces_slacks_rules(slack: str) -> None:
    def post(path: str, body: bytes, content_type: str = "application/json") -> tuple[int, str]:
        req = urllib.request.Request(f"{slack}{path}", data=body, headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    good = f"/services/{SLACK_TOKEN}"
    assert post(good, b'{"text": "hello"}') == (200, "ok")
    assert post(good, b'{"kind": "run_failure", "run_id": "r1"}') == (
        400,
        "missing_text_or_fallback_or_attachments",
    )
    assert post(good, b'{"text": "  "}') == (400, "missing_text_or_fallback_or_attachments")
    assert post(good, b"text=hello", "application/x-www-form-urlencoded") == (400, "invalid_payload")
    assert post(good, b"{not json") == (400, "invalid_payload")
    assert post(good, json.dumps({"text": "x" * 40_001}).encode()) == (400, "msg_too_long")
    assert post("/services/T0000/B0000/revoked", b'{"text": "hello"}') == (404, "no_service")
    assert SlackHook.accepted == [{"text": "hello"}]


@pytest.mark.parametrize("partitioned", [False, True])
def test_run_failure_alert_names_the_job_step_partition_and_links_the_run(
    instance: dg.DagsterInstance,
    hook: str,
    data_dir: Path,
    caplog: pytest.LogCaptureFixture,
    partitioned: bool,
) -> None:
    # the sensor as the daemon ticks it: the first tick starts from now...
    cursor = _tick(run_alerts.run_failure_alert, instance, None)
    tags = {"dagster/partition": "2026-11-01"} if partitioned else {}
    result = dg.materialize([broken], instance=instance, raise_on_error=False, tags=tags)
    assert not result.success
    # ...the next one finds the failed run (an in-process run, as `ecom run` makes them)
    _tick(run_alerts.run_failure_alert, instance, cursor)
    assert len(SlackHook.accepted) == 1, SlackHook.refused
    alert = SlackHook.accepted[0]
    first_line, link = alert["text"].splitlines()
    assert first_line.startswith("[ecom] materialization of broken failed")
    assert "step broken failed: ValueError: relation staging.orders does not exist" in first_line
    assert ("(partition 2026-11-01)" in first_line) is partitioned
    assert link == f"Run: https://dagster.example.com/runs/{result.run_id}"
    assert alert["kind"] == "run_failure" and alert["run_id"] == result.run_id
    assert alert["asset"] == "broken" and alert["partition"] == ("2026-11-01" if partitioned else None)
    assert not (data_dir / "alerts.log").exists()
    assert SECRET not in caplog.text


def test_a_failed_blocking_check_is_named_as_the_cause(instance: dg.DagsterInstance, hook: str) -> None:
    result = dg.materialize(
        [prices, prices_positive, prices_warn_only], instance=instance, raise_on_error=False
    )
    run = instance.get_run_by_id(result.run_id)
    payload = run_alerts.run_failure_message(instance, run, None)
    assert "blocking check prices prices_positive failed: 3 rows with price <= 0" in payload["text"]
    assert {(c["check"], c["blocking"]) for c in payload["failed_checks"]} == {
        ("prices_positive", True),
        ("prices_warn_only", False),
    }
    assert alerts.send_alert(payload).startswith("webhook http://127.0.0.1:")
    assert SlackHook.accepted[0]["text"] == payload["text"]


def test_blocking_check_alert_reports_while_the_run_goes_on(
    instance: dg.DagsterInstance, hook: str, data_dir: Path
) -> None:
    release.clear()
    cursor = _tick(run_alerts.blocking_check_alert, instance, None)  # nothing running yet
    assert SlackHook.accepted == []
    results: list[dg.ExecuteInProcessResult] = []
    runner = threading.Thread(
        target=lambda: results.append(
            dg.materialize([stock, zz_trailing], instance=instance, raise_on_error=False)
        )
    )
    runner.start()
    try:
        for _ in range(600):  # until the check has failed and `zz_trailing` holds the run open
            running = instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
            if running and run_alerts.failed_checks(instance, running[0].dagster_run.run_id)[0]:
                break
            release.wait(0.1)
        cursor = _tick(run_alerts.blocking_check_alert, instance, cursor)
        assert [a["check"] for a in SlackHook.accepted] == ["stock_known"]
        _tick(run_alerts.blocking_check_alert, instance, cursor)  # not twice
        assert len(SlackHook.accepted) == 1
    finally:
        release.set()
        runner.join(120)
    alert = SlackHook.accepted[0]
    assert alert["kind"] == "blocking_check_failed" and alert["run_id"] == results[0].run_id
    assert alert["text"].startswith(
        "[ecom] blocking check stock stock_known failed in materialization of stock, zz_trailing: "
        "2 unknown SKUs."
    )
    assert alert["text"].endswith(f"Run: https://dagster.example.com/runs/{results[0].run_id}")
    assert not results[0].success  # the run ends failed: run_failure_alert takes it from there


def test_every_sensor_ticks_on_each_instance(instance: dg.DagsterInstance, data_dir: Path) -> None:
    """Two daemon-style ticks of every sensor of the code location, cursor carried over: the
    CLI's run-sharded SQLite storage once failed the check sensor on every tick."""
    sensors = {s.name: s for s in defs().sensors}
    assert set(sensors) >= {
        "run_failure_alert",
        "blocking_check_alert",
        "freshness_alert",
        "missed_run_alert",
    }
    dg.materialize([prices], instance=instance)
    for sensor in sensors.values():
        cursor = _tick(sensor, instance, None)
        _tick(sensor, instance, cursor)
    assert not (data_dir / "alerts.log").exists(), (data_dir / "alerts.log").read_text()


def test_a_refusing_webhook_leaves_the_alert_in_the_log_file_without_its_token(
    slack: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ECOM_ALERT_WEBHOOK_URL", f"{slack}/services/T0000/B0000/revoked-{SECRET}")
    log = logging.getLogger("ecom.test.alerts")
    where = alerts.send_alert(alerts.message("run_failure", "daily_job failed", run_id="r1"), log)
    assert where == f"file {data_dir / 'alerts.log'}"
    alert = json.loads((data_dir / "alerts.log").read_text())
    assert alert["webhook_error"] == "HTTP 404 no_service"
    assert alert["text"] == "[ecom] daily_job failed" and alert["run_id"] == "r1"
    assert SECRET not in caplog.text and SECRET not in json.dumps(alert)
    assert f"alert to webhook http://127.0.0.1:{slack.rsplit(':', 1)[1]}/... failed" in caplog.text


def test_unreachable_webhook_falls_back_to_the_log_file(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOM_ALERT_WEBHOOK_URL", f"http://127.0.0.1:9/{SECRET}")
    where = alerts.send_alert(alerts.message("run_failure", "x", run_id="r1"))
    assert where == f"file {data_dir / 'alerts.log'}"
    alert = json.loads((data_dir / "alerts.log").read_text())
    assert alert["webhook_error"] and SECRET not in json.dumps(alert)


def test_without_a_webhook_alerts_go_to_the_log_file(
    instance: dg.DagsterInstance, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOM_ALERT_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("ECOM_ALERT_LOG", raising=False)
    result = dg.materialize([broken], instance=instance, raise_on_error=False)
    payload = run_alerts.run_failure_message(instance, instance.get_run_by_id(result.run_id), None)
    assert alerts.send_alert(payload) == f"file {data_dir / 'alerts.log'}"
    (line,) = (data_dir / "alerts.log").read_text().splitlines()
    assert json.loads(line)["text"] == payload["text"]
