"""Dagster's local event log on SQLite, without an engine, a file open, an fsync and a close per event.

``ecom run`` / ``ecom demo`` (and ``dagster dev`` on the same ``DAGSTER_HOME``) keep Dagster's
own storage in SQLite files beside the data. The stock ``SqliteEventLogStorage`` builds a new
SQLAlchemy engine and opens a new connection for every event, commits with a full fsync and
closes the connection, which checkpoints the WAL into the database file with another fsync; an
asset event does it again in the cross-run index. A single-run backfill writes about a thousand
events (one planned materialization per asset and month, materializations, check results), so
on a 2-core machine that was 15-20 s of a 40 s run at scale 1 (docs/SCALING.md).

``LocalSqliteEventLogStorage`` writes the same rows to the same files, so the UI, the daemon
and the stock class read them as before; what changes is how it talks to the files:

- each file keeps its engine and one open connection per thread;
- the cross-run **index** (asset materializations, check results, run status: what the UI's
  asset pages and partition status come from) stays in WAL mode with ``synchronous=NORMAL``:
  a commit does not wait for the disk, and neither a crash nor a power loss can corrupt the
  file (at worst the last transactions before a power loss roll back);
- a **run's own file** (its step-by-step log) uses ``synchronous=OFF`` and checkpoints after
  every write, so a running run's log still reaches the UI (``dagster dev`` watches that file
  for changes). A process crash loses nothing; an operating-system crash or power loss in the
  middle of a run can damage that run's log file, not the index.

A deployment keeps Dagster's storage in PostgreSQL instead (docker/dagster.yaml). To go back to
the stock class, delete the ``event_log_storage`` entry from ``$DAGSTER_HOME/dagster.yaml``
(docs/OPERATIONS.md).

Dagster has no public base class for an event-log storage: this subclasses the stock SQLite
one from ``dagster._core`` and overrides only how it opens files (``_connect``), so a Dagster
upgrade that changes that class is caught by ``ecom_assets_tests/instance/`` (the stock class
must read what this one wrote). ``dagster.yaml`` files written before this moved here name
``ecom_assets.lib.dagster_storage``, which still resolves to this class.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import SingletonThreadPool

# Run files a long-lived process (the webserver reads many runs) keeps open at once; beyond
# that the least recently used one is closed.
MAX_OPEN_RUN_FILES = 8


class LocalSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with long-lived connections and cheaper commits (module doc)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir, inst_data)
        # close the files when the process ends, so each WAL is folded in and removed
        atexit.register(_close_at_exit, weakref.ref(self))

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict
    ) -> LocalSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = db.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=SingletonThreadPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            pragma = "PRAGMA synchronous=NORMAL" if shard == INDEX_SHARD_NAME else "PRAGMA synchronous=OFF"

            @db.event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: object, _record: object) -> None:
                dbapi_conn.execute(pragma)  # type: ignore[attr-defined]

            self._engines[shard] = engine
            runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
            for old in runs[: max(0, len(runs) - MAX_OPEN_RUN_FILES)]:
                self._engines.pop(old).dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME:
                    # the write reaches the run's .db file now: `dagster dev` watches that file
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def close_files(self) -> None:
        """Close every open file (each WAL is checkpointed into its database and removed)."""
        with self._engines_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self.close_files()
        super().wipe()

    def dispose(self) -> None:
        self.close_files()
        super().dispose()


def _close_at_exit(ref: weakref.ref) -> None:
    storage = ref()
    if storage is not None:
        storage.close_files()
