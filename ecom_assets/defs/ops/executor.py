"""The executor of every job, chosen by ``ECOM_EXECUTOR`` (default: in process).

Why in process by default: on a small machine the multiprocess executor spends about 5 s
starting each step (the whole graph ran in 27 s with it, 6 s in process), and the work is
set-based SQL inside PostgreSQL, so steps gain little from running side by side. A bigger
machine sets ``ECOM_EXECUTOR=multiprocess`` and ``ECOM_MAX_CONCURRENT`` (default: CPU count).
"""

from __future__ import annotations

import os

import dagster as dg

ENV_EXECUTOR = "ECOM_EXECUTOR"
ENV_MAX_CONCURRENT = "ECOM_MAX_CONCURRENT"
EXECUTORS = ("in_process", "multiprocess")
DEFAULT_EXECUTOR = "in_process"


def executor_name() -> str:
    name = (os.environ.get(ENV_EXECUTOR) or DEFAULT_EXECUTOR).strip().lower().replace("-", "_")
    if name not in EXECUTORS:
        raise ValueError(f"{ENV_EXECUTOR}={name!r}: expected one of {', '.join(EXECUTORS)}")
    return name


def max_concurrent() -> int:
    """``ECOM_MAX_CONCURRENT`` for the multiprocess executor; 0 means one per CPU."""
    raw = os.environ.get(ENV_MAX_CONCURRENT) or "0"
    value = int(raw)
    if value < 0:
        raise ValueError(f"{ENV_MAX_CONCURRENT}={raw!r}: expected 0 (one per CPU) or more")
    return value


def executor_from_env() -> dg.ExecutorDefinition:
    """The executor the environment asks for, with its settings baked in."""
    if executor_name() == "multiprocess":
        return dg.multiprocess_executor.configured({"max_concurrent": max_concurrent()}, name="multiprocess")
    return dg.in_process_executor


@dg.definitions
def executor_defs() -> dg.Definitions:
    """Make it the code location's default, so UI launches and the implicit asset job use it."""
    return dg.Definitions(executor=executor_from_env())
