"""A loaded table gets statistics in the loading transaction when it has none or outgrew them."""

from __future__ import annotations

import psycopg

from ecom_assets.lib import postgres


def _reltuples(conn: psycopg.Connection) -> float:
    return conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'public.loaded'::regclass").fetchone()[0]


def test_analyzes_when_missing_or_outgrown_not_for_a_sliver(fresh_db_url: str) -> None:
    with psycopg.connect(fresh_db_url) as conn:
        conn.execute("CREATE TABLE public.loaded (id int)")
        conn.commit()
        assert _reltuples(conn) == -1  # never analyzed
        conn.execute("INSERT INTO public.loaded SELECT g FROM generate_series(1, 10000) g")
        assert postgres.analyze_if_stale(conn, "public.loaded", 10_000)
        assert _reltuples(conn) == 10_000  # the transaction's own rows count
        conn.commit()
        conn.execute("INSERT INTO public.loaded SELECT g FROM generate_series(1, 1000) g")
        assert not postgres.analyze_if_stale(conn, "public.loaded", 1_000)  # 10 %: a new day
        assert _reltuples(conn) == 10_000
        conn.execute("INSERT INTO public.loaded SELECT g FROM generate_series(1, 5000) g")
        assert postgres.analyze_if_stale(conn, "public.loaded", 5_000)  # 50 % more: a backfill
        assert _reltuples(conn) == 16_000
        assert not postgres.analyze_if_stale(conn, "public.loaded", 0)


def test_a_column_list_takes_the_row_count_and_only_those_columns(fresh_db_url: str) -> None:
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.narrow (k text, note text)")
        conn.execute("INSERT INTO public.narrow SELECT 'k' || i, 'n' || i FROM generate_series(1, 5000) i")
        assert postgres.analyze_if_stale(conn, "public.narrow", 5_000, ["k"])
        reltuples = conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'public.narrow'::regclass")
        assert reltuples.fetchone()[0] == 5_000
        stats = conn.execute(
            "SELECT attname FROM pg_stats WHERE schemaname = 'public' AND tablename = 'narrow'"
        )
        assert [r[0] for r in stats.fetchall()] == ["k"]


def test_a_statistics_target_holds_for_that_analyze_alone(fresh_db_url: str) -> None:
    with psycopg.connect(fresh_db_url) as conn:
        conn.execute("CREATE TABLE public.wide (k int)")
        conn.execute("INSERT INTO public.wide SELECT i FROM generate_series(1, 20000) i")
        assert postgres.analyze_if_stale(conn, "public.wide", 20_000, ["k"], statistics_target=10)
        bounds = conn.execute(
            "SELECT array_length(histogram_bounds::text::int[], 1) FROM pg_stats "
            "WHERE schemaname = 'public' AND tablename = 'wide' AND attname = 'k'"
        ).fetchone()[0]
        assert bounds == 11  # 10 buckets; at the default target of 100 there would be 101 bounds
        setting = conn.execute("SELECT current_setting('default_statistics_target')").fetchone()[0]
        assert setting == "100"  # restored for the rest of the transaction
        conn.execute("ANALYZE public.wide")
        bounds = conn.execute(
            "SELECT array_length(histogram_bounds::text::int[], 1) FROM pg_stats "
            "WHERE schemaname = 'public' AND tablename = 'wide' AND attname = 'k'"
        ).fetchone()[0]
        assert bounds == 101


def test_the_analyzed_columns_are_those_the_warehouse_reads_staging_by() -> None:
    """A dimension source is read whole and ordered by key and updated_at (dim_scd2.sql): those,
    and its references, get statistics; an event table also its dates, timestamps and day."""
    from pathlib import Path

    import ecom_assets.defs.warehouse as warehouse
    from ecom_assets.defs.staging.load import planner_columns
    from ecom_assets.lib.contracts import DAY_COLUMN, SOURCE_TABLES

    scd2 = (Path(warehouse.__file__).parent / "sql" / "dim_scd2.sql").read_text()
    assert "ORDER BY {key}, updated_at" in scd2
    assert planner_columns(SOURCE_TABLES["customers"]) == ["customer_id", "updated_at"]
    for src in SOURCE_TABLES.values():
        cols = planner_columns(src)
        assert src.key in cols and set(cols) <= {*src.columns, DAY_COLUMN}
        if src.is_event:
            assert DAY_COLUMN in cols and (src.day_column is None or src.day_column in cols)
        else:
            assert "date_of_birth" not in cols and cols[-1] == "updated_at"
