"""The CLI's own Dagster instance (``instance.local.dagster_home``): SQLite files through
``LocalSqliteEventLogStorage``, readable by Dagster's stock classes, live for the UI's log view;
``dagster.yaml`` files naming the storage's old module path still load."""

import os
import sqlite3
import threading
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from ecom_assets import runner
from ecom_assets.instance import local
from ecom_assets.instance.sqlite_event_log import MAX_OPEN_RUN_FILES, LocalSqliteEventLogStorage


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return local.dagster_home()


@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-04"))
def daily(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    context.log.info(f"partition {context.partition_key}")
    return dg.MaterializeResult(metadata={"day": context.partition_key})


@dg.asset_check(asset=daily)
def daily_ok() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def _materialize(instance: dg.DagsterInstance, key: str) -> dg.ExecuteInProcessResult:
    return dg.materialize([daily, daily_ok], instance=instance, partition_key=key)


def test_cli_instance_uses_the_local_event_log_and_stock_classes_read_it(home: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, LocalSqliteEventLogStorage)
        runs = [_materialize(instance, k).run_id for k in ("2026-01-01", "2026-01-02")]
        mine = instance.all_logs(runs[1])
    # another process's view: Dagster's stock class on the same files (what an older
    # `dagster dev` or a copy of the folder would use) sees the same events and asset state
    stock = SqliteEventLogStorage(str(home / "history" / "runs"))
    theirs = stock.get_records_for_run(runs[1]).records
    assert [r.event_log_entry.dagster_event_type for r in theirs] == [e.dagster_event_type for e in mine]
    assert any(e.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION for e in mine)
    record = stock.get_latest_materialization_events([dg.AssetKey("daily")])[dg.AssetKey("daily")]
    assert record is not None and record.dagster_event.partition == "2026-01-02"
    check = stock.get_asset_check_execution_history(dg.AssetCheckKey(dg.AssetKey("daily"), "daily_ok"), 10)
    assert {c.run_id for c in check if c.status.value == "SUCCEEDED"} == set(runs)
    stock.dispose()


def test_durability_settings_per_file(home: Path) -> None:
    """Index: WAL + synchronous=NORMAL (cannot corrupt); a run's own file: OFF, checkpointed."""
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        run_id = _materialize(instance, "2026-01-01").run_id
        with storage.index_connection() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        with storage.run_connection(run_id) as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 0  # OFF
        # every write was checkpointed into the run's .db file itself (the UI's log view
        # watches that file): a plain reader of the .db file alone, without its WAL, sees them
        runs_dir = home / "history" / "runs"
        copy = home / "copy.db"
        copy.write_bytes((runs_dir / f"{run_id}.db").read_bytes())
        with sqlite3.connect(copy) as raw:
            stored = raw.execute("SELECT count(*) FROM event_logs").fetchone()[0]
        assert stored == len(instance.all_logs(run_id))


def test_running_runs_log_reaches_a_watcher(home: Path) -> None:
    """`dagster dev` follows a running run by watching its .db file: events written through the
    local storage reach a stock storage's watch callback."""
    with dg.DagsterInstance.get() as instance:
        run_id = _materialize(instance, "2026-01-01").run_id
        watcher = SqliteEventLogStorage(str(home / "history" / "runs"))
        seen: list[str] = []
        arrived = threading.Event()

        def callback(entry: dg.EventLogEntry, _cursor: str) -> None:
            text = entry.dagster_event.message if entry.dagster_event else entry.user_message
            seen.append(text or "")
            if text == "third":
                arrived.set()

        watcher.watch(run_id, None, callback)
        try:
            for text in ("first", "second", "third"):
                instance.report_engine_event(text, instance.get_run_by_id(run_id))
            assert arrived.wait(30), f"the watcher saw only {seen}"
        finally:
            watcher.end_watch(run_id, callback)
            watcher.dispose()
    assert seen[-3:] == ["first", "second", "third"]


def test_files_are_closed_and_bounded(home: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        for _ in range(MAX_OPEN_RUN_FILES + 3):
            _materialize(instance, "2026-01-03")
        open_runs = [s for s in storage._engines if s != "index"]
        assert len(open_runs) == MAX_OPEN_RUN_FILES
    # the instance is disposed: every WAL was folded into its database and removed
    assert not list((home / "history" / "runs").glob("*.db-wal"))


def test_old_cli_yaml_is_upgraded_and_a_users_own_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "old"
    old.mkdir()
    (old / "dagster.yaml").write_text(local.OLD_LOCAL_INSTANCE_YAML[0])
    monkeypatch.setenv("DAGSTER_HOME", str(old))
    runner.dagster_home()
    assert "LocalSqliteEventLogStorage" in (old / "dagster.yaml").read_text()

    # what the CLI wrote while the class lived in lib/: upgraded to the new module path
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "dagster.yaml").write_text(local.local_instance_yaml(moved, local.OLD_STORAGE_MODULE))
    monkeypatch.setenv("DAGSTER_HOME", str(moved))
    local.dagster_home()
    assert (moved / "dagster.yaml").read_text() == local.local_instance_yaml(moved)
    assert "ecom_assets.lib" not in (moved / "dagster.yaml").read_text()

    own = tmp_path / "own"
    own.mkdir()
    text = "telemetry:\n  enabled: false\nrun_monitoring:\n  enabled: true\n"
    (own / "dagster.yaml").write_text(text)
    monkeypatch.setenv("DAGSTER_HOME", str(own))
    runner.dagster_home()
    assert (own / "dagster.yaml").read_text() == text
    with dg.DagsterInstance.get() as instance:
        assert type(instance.event_log_storage) is not LocalSqliteEventLogStorage


def test_home_defaults_under_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", "unset below")  # so the teardown restores the original
    monkeypatch.delenv("DAGSTER_HOME")
    monkeypatch.setenv("ECOM_DATA_DIR", str(tmp_path / "data"))
    home = runner.dagster_home()
    assert home == tmp_path / "data" / "dagster_home"
    assert os.environ["DAGSTER_HOME"] == str(home)
    assert str((home / "history" / "runs").resolve()) in (home / "dagster.yaml").read_text()


def test_a_dagster_yaml_naming_the_old_module_path_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment's own dagster.yaml (edited, so never rewritten) that names
    ``ecom_assets.lib.dagster_storage`` keeps working after the class moved."""
    home = tmp_path / "edited"
    home.mkdir()
    text = local.local_instance_yaml(home, local.OLD_STORAGE_MODULE) + "run_monitoring:\n  enabled: true\n"
    (home / "dagster.yaml").write_text(text)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    local.dagster_home()
    assert (home / "dagster.yaml").read_text() == text  # the user's file is left as it is
    with dg.DagsterInstance.get() as instance:
        assert type(instance.event_log_storage) is LocalSqliteEventLogStorage
        run_id = _materialize(instance, "2026-01-01").run_id
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
    import ecom_assets.lib.dagster_storage as shim

    assert shim.LocalSqliteEventLogStorage is LocalSqliteEventLogStorage
    assert shim.MAX_OPEN_RUN_FILES == MAX_OPEN_RUN_FILES
    with pytest.raises(AttributeError):
        _ = shim.SqliteEventLogStorage
