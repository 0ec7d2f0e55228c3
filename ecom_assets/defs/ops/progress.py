"""A run's progress on the ``ecom`` command's terminal: one step per finished asset, as it goes.

``ecom run`` executes the graph in process and used to print nothing until the end (ten
minutes at scale 100). This logger turns the run's own events into calls on the command's
``lib.progress.Progress``: the executor's list of steps sets the total, each finished,
failed or skipped step advances it with a line naming the asset and its time.

It is one of the code location's loggers, but only a run that names it in its run config
(``loggers: {ecom_progress: {}}``, as ``ecom run`` does) uses it; runs launched from the UI or
the daemon keep Dagster's default console logger. With no command reporting (a run in the
code server), ``progress.current()`` is silent.
"""

from __future__ import annotations

import ast
import logging

import dagster as dg

from ecom_assets.lib import progress

LOGGER_NAME = "ecom_progress"

_STEP_END = {"STEP_SUCCESS": "ok", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}


def step_label(step_key: str) -> str:
    """``staging__orders`` -> ``staging/orders``: the asset a step materializes, as the UI names it."""
    return step_key.replace("__", "/")


def step_count(step_keys: object) -> int | None:
    """How many steps the executor's start event lists (a text like ``"['a', 'b']"``)."""
    text = getattr(step_keys, "value", step_keys)
    if isinstance(text, list):
        return len(text)
    if isinstance(text, str):
        try:
            keys = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return None
        return len(keys) if isinstance(keys, list | tuple) else None
    return None


class _ProgressHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self._started = False

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            return
        kind = event.event_type_value
        sink = progress.current()
        if kind == "ENGINE_EVENT" and not self._started:
            metadata = getattr(event.event_specific_data, "metadata", None) or {}
            total = step_count(metadata.get("step_keys"))
            if total is not None:
                label = f"{meta.get('job_name') or 'run'} {str(meta.get('run_id', ''))[:8]}"
                sink.step(label, total=total, unit="steps")
                self._started = True
        elif kind in _STEP_END and event.step_key:
            seconds = getattr(event.event_specific_data, "duration_ms", None)
            took = f" in {seconds / 1000:.1f} s" if seconds is not None else ""
            sink.advance(1, f"{_STEP_END[kind]:<7} {step_label(event.step_key)}{took}")
        elif kind in ("PIPELINE_SUCCESS", "PIPELINE_FAILURE", "PIPELINE_CANCELED"):
            sink.done("succeeded" if kind == "PIPELINE_SUCCESS" else kind.removeprefix("PIPELINE_").lower())


@dg.logger(description="Reports each finished step to the `ecom` command's progress (bar or lines).")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger(LOGGER_NAME, level=logging.DEBUG)
    logger.addHandler(_ProgressHandler())
    return logger


@dg.definitions
def loggers() -> dg.Definitions:
    """Dagster's console logger as before, plus the progress logger for runs that ask for it."""
    return dg.Definitions(loggers={"console": dg.colored_console_logger, LOGGER_NAME: progress_logger})
