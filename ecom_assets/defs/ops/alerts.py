"""Alert delivery: one message per alert, read by people in a chat channel, kept when it cannot go.

Destination: ``ECOM_ALERT_WEBHOOK_URL`` (one JSON ``POST`` per alert) when set, else JSON lines
appended to ``ECOM_ALERT_LOG`` (default ``$ECOM_DATA_DIR/alerts.log``). A webhook that refuses
or cannot be reached leaves the alert in the log file with the reason, so none is lost silently.

The body is an incoming-webhook message that Slack and Microsoft Teams both post as it is: a
``text`` line a person reads first (what failed, which step or check, the partition, a link to
the run in the UI at ``ECOM_UI_URL``), plus the same facts as fields for machines
(``kind``, ``job``, ``run_id``, ``asset``, ``check``, ...), which chat tools ignore.

Why our own ~40 lines rather than ``dagster-slack`` / ``dagster-msteams``: ``dagster-slack``
posts through a bot token and ``chat.postMessage`` (a Slack app per workspace), not an
incoming webhook, and both libraries make run-failure sensors only; we send four kinds of alert
(failed run, failed blocking check, stale data, missed daily run) to one destination that may
also be a plain HTTP endpoint, with a file fallback, and the webhook's token must never reach a
log. A JSON ``POST`` with ``urllib`` does that with no new dependency (docs/OPERATIONS.md).

The webhook URL carries a token: it is never logged or put in an alert; messages name it by
scheme and host only, and every body goes through ``lib.masking.mask``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from ecom_assets.lib import masking, settings

ENV_WEBHOOK_URL = "ECOM_ALERT_WEBHOOK_URL"
ENV_ALERT_LOG = "ECOM_ALERT_LOG"
WEBHOOK_TIMEOUT_S = 10
# Slack cuts a message's text at 40,000 characters; an alert is a few lines, errors are trimmed.
MAX_ERROR_CHARS = 500
PREFIX = "[ecom]"


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


# ---------------------------------------------------------------- links and names


def run_link(run_id: str) -> str:
    return f"{settings.ui_url()}/runs/{run_id}"


def asset_link(key: str) -> str:
    return f"{settings.ui_url()}/assets/{urllib.parse.quote(key)}"


def job_label(run: dg.DagsterRun, planned: Sequence[str] = ()) -> str:
    """A run's job as a person would say it: Dagster's implicit asset jobs (``__ASSET_JOB``,
    ``__ephemeral_asset_job__``) are named by their assets (the run's selection, else the
    assets it planned)."""
    if not run.job_name.startswith("__"):
        return run.job_name
    keys = sorted({k.to_user_string() for k in run.asset_selection or ()} or set(planned))
    if not keys:
        return "an asset materialization"
    shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
    return f"materialization of {shown}"


def partition_label(tags: Mapping[str, str]) -> str | None:
    if key := tags.get("dagster/partition"):
        return key
    start, end = (
        tags.get("dagster/asset_partition_range_start"),
        tags.get("dagster/asset_partition_range_end"),
    )
    if start and end:
        return start if start == end else f"{start}..{end}"
    return None


def trimmed(text: str | None, limit: int = MAX_ERROR_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def names(items: Sequence[str], shown: int = 5) -> str:
    return ", ".join(items[:shown]) + (f" and {len(items) - shown} more" if len(items) > shown else "")


# ---------------------------------------------------------------- delivery


def message(kind: str, text: str, **fields: Any) -> dict[str, Any]:
    """An alert body: ``text`` for people (prefixed, masked), the facts as fields for machines."""
    return {"text": masking.mask(f"{PREFIX} {text}"), "kind": kind, **fields}


def send_alert(payload: Mapping[str, Any], log: Any = None) -> str:
    """Deliver one alert (from :func:`message`); returns where it went, safe to log."""
    payload = {**payload, "sent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    url = webhook_url()
    if url:
        body = masking.mask(json.dumps(payload, default=str)).encode()
        req = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(req, timeout=WEBHOOK_TIMEOUT_S) as resp:
                resp.read()
            return describe_destination()
        except (urllib.error.URLError, OSError) as exc:
            # An HTTPError says what the receiver answered (Slack: 400 invalid_payload, 404
            # no_service, ...); neither it nor a URLError contains the URL itself.
            reason = _failure_reason(exc)
            if log is not None:
                log.error(f"alert to {describe_destination()} failed ({reason}); writing to the log file")
            payload = {**payload, "webhook_error": reason}
    return f"file {_append(payload)}"


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        try:
            detail = exc.read().decode("utf-8", "replace").strip()[:200]
        except OSError:
            detail = ""
        return f"HTTP {exc.code}" + (f" {detail}" if detail else "")
    reason = getattr(exc, "reason", None)
    return masking.mask(str(reason)) if reason else type(exc).__name__


def _append(payload: Mapping[str, Any]) -> Path:
    path = alert_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(masking.mask(json.dumps(payload, sort_keys=True, default=str)) + "\n")
    return path
