"""A history built day by day equals the same history built at once in a fresh database.

Two databases get the same landing zone: a base export (a few weeks) and then one export per
day, each generated as the source would send it that day (every dimension as of the day and
the day's events: customers register, products change, so the dimension change log and its
retention work). The *daily* database runs the pipeline after each import, over that day only,
as the daily schedule does; the *scratch* database imports everything and runs once. Then every
table of ``ops``, ``analytics``, ``warehouse`` and ``staging`` is compared by an ordered
checksum of its rows, leaving out what legitimately differs between two build histories:

- build ids (``ops.fact_builds.build_id``, ``ops.analytics_seen.build_id``, the build ids kept in
  ``ops.fact_day_totals``, the sequence ``ops.fact_build_seq``; the input fingerprint of a fact
  built from another fact, ``ops.fact_builds.source_fingerprint``, holds that fact's build id, so
  it is compared for the other facts only) and positions in the change log
  (``ops.fact_builds.dim_change_id``, ``ops.customer_rows_seen``): numbered per build, so a
  history of ten builds numbers them otherwise than one build;
- ``ops.dim_changes``: the log of what each dimension rebuild changed is a record of the builds
  themselves (the daily history logs every day's new versions, one build logs nothing before
  its first fact); its retention is checked apart, below;
- timestamps of a build: ``ops.analytics_builds.built_at``, ``ops.staging_checks.checked_at``.

The analytics tables are compared whole: they must be byte-identical.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from ecom_assets import runner
from ecom_assets.defs.raw import importer
from ecom_assets.defs.warehouse.specs import FACTS
from ecom_assets.lib import generator, settings
from ecom_assets_tests.conftest import create_database, drop_database
from ecom_assets_tests.reliability.conftest import graph_keys

SCALE, SEED = 0.2, 5
START = dt.date(2026, 3, 1)
BASE_END = dt.date(2026, 3, 24)
DAYS = [BASE_END + dt.timedelta(days=i) for i in range(1, 10)]  # 03-25 .. 04-02: a month boundary
SCHEMAS = ("ops", "analytics", "warehouse", "staging")

# table -> columns left out of its checksum (None: the whole table), and why (module docstring)
EXCLUDED: dict[str, tuple[str, ...] | None] = {
    "ops.fact_builds": ("build_id", "dim_change_id", "source_fingerprint"),
    "ops.analytics_seen": ("build_id",),
    "ops.fact_day_totals": ("orders_build_id", "items_build_id"),
    "ops.customer_rows_seen": ("dim_change_id",),
    "ops.analytics_builds": ("built_at",),
    "ops.staging_checks": ("checked_at",),
    "ops.dim_changes": None,
}


@dataclass
class Built:
    daily: str
    scratch: str
    runs: int


def tables(conn: psycopg.Connection) -> list[str]:
    """Every ordinary and partitioned table of the schemas (partitions through their parent)."""
    rows = conn.execute(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1",
        (list(SCHEMAS),),
    ).fetchall()
    return [r[0] for r in rows]


def columns(conn: psycopg.Connection, table: str) -> list[str]:
    schema, name = table.split(".")
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        (table,),
    ).fetchall()
    return [r[0] for r in rows]


def checksum(conn: psycopg.Connection, table: str) -> tuple[int, str]:
    """(rows, md5 of the kept columns' rows in order), the excluded columns left out."""
    skip = EXCLUDED.get(table, ())
    kept = [c for c in columns(conn, table) if c not in (skip or ())]
    row = sql.SQL("ROW({})").format(sql.SQL(", ").join(sql.Identifier(c) for c in kept))
    schema, name = table.split(".")
    return conn.execute(
        sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) "
            "FROM (SELECT {} AS r FROM {}) x"
        ).format(row, sql.Identifier(schema, name))  # fmt: skip
    ).fetchone()


def checksums(url: str) -> dict[str, object]:
    with psycopg.connect(url, autocommit=True) as conn:
        out: dict[str, object] = {
            t: checksum(conn, t) for t in tables(conn) if EXCLUDED.get(t, ()) is not None
        }
        out["ops.fact_builds.source_fingerprint"] = conn.execute(
            "SELECT table_name, day, source_fingerprint FROM ops.fact_builds WHERE table_name <> ALL(%s) ORDER BY 1, 2",
            ([f.name for f in FACTS.values() if f.upstream_fact],),
        ).fetchall()
    return out


@pytest.fixture(scope="module")
def built(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("scratch")
    exports = [(root / "base", START, BASE_END)] + [(root / f"day-{d}", d, d) for d in DAYS]
    for out, start, end in exports:  # each day as the source sends it: dimensions as of the day
        generator.generate(out, scale=SCALE, seed=SEED, start=start, end=end, progress=False)
    daily_url = create_database(admin_url, prefix="ecom_daily")
    scratch_url = create_database(admin_url, prefix="ecom_scratch")
    keys = graph_keys()
    mp = pytest.MonkeyPatch()
    runs = 0
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            mp.setenv(settings.ENV_DATABASE_URL, daily_url)
            mp.setenv(settings.ENV_DATA_DIR, str(root / "daily"))
            for out, start, end in exports:
                importer.import_export(out, as_of=end)
                first = out == exports[0][0]
                summary = runner.run_graph(
                    None if first else start, None if first else end, instance=instance, asset_selection=keys
                )
                assert summary.ok, (out.name, summary.failed_assets, summary.failed_checks)
                runs += 1
            mp.setenv(settings.ENV_DATABASE_URL, scratch_url)
            mp.setenv(settings.ENV_DATA_DIR, str(root / "scratch"))
            for out, _, end in exports:
                importer.import_export(out, as_of=end)
            summary = runner.run_graph(instance=instance, asset_selection=keys)
            assert summary.ok, ("scratch", summary.failed_assets, summary.failed_checks)
        yield Built(daily_url, scratch_url, runs)
    finally:
        mp.undo()
        drop_database(admin_url, daily_url)
        drop_database(admin_url, scratch_url)


def test_daily_history_equals_a_build_from_scratch(built: Built) -> None:
    daily, scratch = checksums(built.daily), checksums(built.scratch)
    assert daily.keys() == scratch.keys()
    assert {t for t in daily if t.startswith("analytics.")} >= {
        "analytics.daily_sales",
        "analytics.product_metrics",
    }
    assert {t for t in daily if t.startswith("ops.")} >= {
        "ops.staging_loads", "ops.fact_builds", "ops.analytics_seen", "ops.customer_rows", "ops.campaign_order",
    }  # fmt: skip
    differ = {t: (daily[t], scratch[t]) for t in daily if daily[t] != scratch[t]}
    assert differ == {}
    assert daily["analytics.daily_sales"][0] > 30  # a real history, not two empty databases


def test_the_change_log_keeps_only_what_a_consumer_has_not_passed(built: Built) -> None:
    """The daily history logged every day's dimension changes; what every fact day and
    customer_metrics have passed is gone (the newest row of each dimension stays), and the
    comparison above shows the incremental results stayed right."""
    with psycopg.connect(built.daily, autocommit=True) as conn:
        logged, kept = conn.execute("SELECT max(change_id), count(*) FROM ops.dim_changes").fetchone()
        horizon = conn.execute(
            "SELECT least((SELECT min(dim_change_id) FROM ops.fact_builds), "
            "(SELECT max(dim_change_id) FROM ops.customer_rows_seen))"
        ).fetchone()[0]
        stale = conn.execute(
            "SELECT count(*) FROM ops.dim_changes c WHERE c.change_id <= %s AND c.change_id < "
            "(SELECT max(change_id) FROM ops.dim_changes l WHERE l.dim_name = c.dim_name)",
            (horizon,),
        ).fetchone()[0]
        per_dim = conn.execute("SELECT count(DISTINCT dim_name) FROM ops.dim_changes").fetchone()[0]
    assert logged > 100  # customers registered and products changed day after day
    assert stale == 0
    assert kept < logged / 2, (kept, logged)  # most of the log is gone
    assert per_dim == 3  # each dimension keeps its newest change
    assert horizon is not None and horizon > 0


def test_every_ops_table_is_compared_or_excluded_with_a_reason(built: Built) -> None:
    with psycopg.connect(built.daily, autocommit=True) as conn:
        ops = {t for t in tables(conn) if t.startswith("ops.")}
    assert set(EXCLUDED) <= ops | {"ops.fact_build_seq"}
    assert len(ops) >= 20
