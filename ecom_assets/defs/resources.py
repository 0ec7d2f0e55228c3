"""The warehouse resource: PostgreSQL, configured from ``ECOM_DATABASE_URL``, embedded by default."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property

import dagster as dg
import psycopg
import pyarrow as pa
import sqlalchemy as sa
from pydantic import Field, PrivateAttr

from ecom_assets.lib import postgres, settings


class PostgresResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse every asset reads and writes.

    With no URL configured it starts (or reuses) the embedded server kept in the data
    directory, so the demo needs no PostgreSQL installed. The URL's password never reaches
    logs or metadata: ``display_url`` redacts it.
    """

    database_url: str | None = Field(
        default=None,
        description="postgresql:// URL of the warehouse; unset means the embedded server "
        "(from ECOM_DATABASE_URL via EnvVar, so the UI shows the variable, not the secret).",
    )
    application_name: str = Field(default="ecom-dagster", description="Shown in pg_stat_activity.")

    _url: str | None = PrivateAttr(default=None)

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = postgres.resolve_url(self.database_url)
        return self._url

    @property
    def display_url(self) -> str:
        return postgres.redact_url(self.url)

    @contextmanager
    def get_connection(self, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
        """A psycopg 3 connection; without autocommit, the block is one transaction.

        The session's ``work_mem`` is raised to ``ECOM_PG_WORK_MEM`` (default 256MB) so the
        set-based builds sort and hash in memory, and JIT is off unless ``ECOM_PG_JIT=on``.
        """
        with postgres.connect(
            self.url, autocommit=autocommit, application_name=self.application_name
        ) as conn:
            mem, jit = settings.work_mem(), settings.jit()
            if mem:
                try:
                    conn.execute("SELECT set_config('work_mem', %s, false)", (mem,))
                except psycopg.DataError as exc:
                    raise ValueError(
                        f"{settings.ENV_WORK_MEM}={mem!r} is not a valid work_mem: {exc}"
                    ) from None
            if jit:
                conn.execute("SELECT set_config('jit', %s, false)", (jit,))
            if (mem or jit) and not autocommit:
                conn.commit()  # the settings stay for the session; the block gets a fresh transaction
            yield conn

    @cached_property
    def engine(self) -> sa.Engine:
        """A SQLAlchemy engine (psycopg 3 dialect) for pandas ``read_sql``."""
        return sa.create_engine(postgres.sqlalchemy_url(self.url), pool_pre_ping=True)

    def bulk_load(
        self, conn: psycopg.Connection, table: str, data: pa.Table, columns: Sequence[str] | None = None
    ) -> int:
        """COPY an Arrow table into ``schema.table`` inside the caller's transaction."""
        return postgres.copy_arrow(conn, table, data, columns)

    def lock(self, conn: psycopg.Connection, *names: str) -> None:
        """Take transaction-scoped advisory locks so two runs cannot write the same data at once.

        Call it first thing in the write transaction (``with get_connection() as conn``), with
        one name per unit written: ``partition_lock_names(context.asset_key, window)`` for a
        partitioned asset, ``context.asset_key.to_user_string()`` for an unpartitioned one. A
        second run touching the same unit waits here until the first commits or rolls back,
        then sees its committed rows; PostgreSQL releases the locks at the end of the
        transaction, also when the process dies. Names are locked in sorted order, so two
        writers taking overlapping sets cannot deadlock.
        """
        for name in sorted(set(names)):
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))

    def ensure_schemas(self) -> None:
        """Create the platform's schemas (idempotent)."""
        with self.get_connection() as conn:
            postgres.ensure_schemas(conn)


def partition_lock_names(asset_key: dg.AssetKey, window: dg.TimeWindow) -> list[str]:
    """One lock name per monthly partition in ``window``: ``"warehouse/fact_orders:2026-11-01"``.

    Per month (not per run's range) so a range backfill and the daily run overlap on the
    months they share and serialise there, whatever ranges they were started with.
    """
    from ecom_assets.defs.partitions import monthly_partitions

    keys = monthly_partitions.get_partition_keys_in_time_window(window)
    return [f"{asset_key.to_user_string()}:{key}" for key in keys]


def warehouse_resource() -> PostgresResource:
    """The resource as configured by the environment."""
    if os.environ.get(settings.ENV_DATABASE_URL):
        return PostgresResource(database_url=dg.EnvVar(settings.ENV_DATABASE_URL))
    return PostgresResource()


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"warehouse": warehouse_resource()})
