"""The CLI's local Dagster instance: one ``DAGSTER_HOME`` for ``ecom run``, ``ecom demo`` and ``ecom ui``.

``DAGSTER_HOME`` defaults to ``$ECOM_DATA_DIR/dagster_home``, so the UI that ``ecom ui`` starts
shows the runs the CLI made. Its ``dagster.yaml`` is written here the first time: SQLite
storage beside the data, the event log through ``sqlite_event_log.LocalSqliteEventLogStorage``
(the same files without an fsync'd open and close per event), and no telemetry banner in the
middle of ``ecom demo``. A file the user edited, or a deployment's own, is never touched; the
files earlier versions of ``ecom`` wrote are upgraded in place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ecom_assets.lib import settings

STORAGE_MODULE = "ecom_assets.instance.sqlite_event_log"
# Where the storage class lived before it moved out of lib/ (the name still imports).
OLD_STORAGE_MODULE = "ecom_assets.lib.dagster_storage"
# What earlier versions wrote as the CLI's dagster.yaml, besides local_instance_yaml(home, OLD_STORAGE_MODULE).
OLD_LOCAL_INSTANCE_YAML = ("telemetry:\n  enabled: false\n",)


def dagster_home() -> Path:
    """``DAGSTER_HOME`` (exported for Dagster), defaulting to ``$ECOM_DATA_DIR/dagster_home``."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home = str(settings.data_dir() / "dagster_home")
        os.environ["DAGSTER_HOME"] = home
    path = Path(home)
    path.mkdir(parents=True, exist_ok=True)
    config = path / "dagster.yaml"
    if not config.exists() or written_by_an_earlier_ecom(config.read_text(), path):
        config.write_text(local_instance_yaml(path))
    return path


def written_by_an_earlier_ecom(text: str, home: Path) -> bool:
    return text in OLD_LOCAL_INSTANCE_YAML or text == local_instance_yaml(home, OLD_STORAGE_MODULE)


def local_instance_yaml(home: Path, module: str = STORAGE_MODULE) -> str:
    """The CLI's ``dagster.yaml`` for ``home`` (module docstring)."""
    runs = (home.resolve() / "history" / "runs").as_posix()
    return (
        "# Written by `ecom` for its local runs; `dagster dev` with this DAGSTER_HOME reads the same.\n"
        "# Delete the event_log_storage entry for Dagster's stock SQLite event log (docs/OPERATIONS.md).\n"
        "telemetry:\n"
        "  enabled: false\n"
        "event_log_storage:\n"
        f"  module: {module}\n"
        "  class: LocalSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {json.dumps(runs)}\n"
    )
