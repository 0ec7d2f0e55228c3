"""Old import path of the CLI's event-log storage, kept for existing ``dagster.yaml`` files.

Earlier versions of ``ecom`` wrote ``module: ecom_assets.lib.dagster_storage`` into
``$DAGSTER_HOME/dagster.yaml``. The class now lives with the rest of the Dagster-side
plumbing in ``ecom_assets.instance.sqlite_event_log``; ``lib/`` stays plain Python, so this
module imports it (and Dagster) only when a name is looked up (PEP 562), never on import.
"""

from __future__ import annotations

from typing import Any

_MOVED = {"LocalSqliteEventLogStorage", "MAX_OPEN_RUN_FILES"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from ecom_assets.instance import sqlite_event_log

        return getattr(sqlite_event_log, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(_MOVED)
