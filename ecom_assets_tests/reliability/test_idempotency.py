"""Idempotency across the whole graph: the same input gives byte-identical tables, run after run."""

from __future__ import annotations

import dagster as dg
import psycopg
from psycopg import sql

from ecom_assets import runner
from ecom_assets.lib import landing, postgres
from ecom_assets.lib.contracts import SOURCE_TABLES
from ecom_assets_tests.reliability.conftest import Pipeline, checksums, graph_keys, materialization_metadata

EVENT_TABLES = [t.name for t in SOURCE_TABLES.values() if t.is_event]
FACTS = ["fact_orders", "fact_order_items", "fact_clickstream", "fact_inventory"]


def _landed(pipeline: Pipeline, table: str) -> int:
    return len(landing.landed_files(table, pipeline.data_dir / "landing"))


def test_every_layer_has_its_tables_and_rows(pipeline: Pipeline) -> None:
    """The checksums cover every table of the three layers, and the run put rows in them."""
    by_layer: dict[str, list[str]] = {}
    for table in pipeline.baseline:
        by_layer.setdefault(table.split(".")[0], []).append(table.split(".")[1])
    assert sorted(by_layer["staging"]) == sorted(
        [t for name in SOURCE_TABLES for t in (name, f"{name}_rejects")]
    )
    assert {f"dim_{d}" for d in ("customers", "products", "marketing_campaigns", "date")} | set(FACTS) <= set(
        by_layer["warehouse"]
    )
    assert len(by_layer["analytics"]) >= 8
    with psycopg.connect(pipeline.url) as conn:
        for table in [f"staging.{t}" for t in SOURCE_TABLES] + [f"warehouse.{f}" for f in FACTS]:
            query = sql.SQL("SELECT count(*) FROM {}").format(postgres.table_identifier(table))
            assert conn.execute(query).fetchone()[0] > 0, table
    empty = "d41d8cd98f00b204e9800998ecf8427e"  # md5('')
    assert pipeline.baseline["analytics.daily_sales"] != empty


def test_second_run_is_byte_identical_and_skips_every_day(pipeline: Pipeline) -> None:
    assert pipeline.second == pipeline.baseline
    first, second = (materialization_metadata(pipeline.instance, s.run_id) for s in pipeline.summaries)
    for table in EVENT_TABLES:
        days = _landed(pipeline, table)
        assert days > 0
        assert (first[f"staging/{table}"]["days_loaded"], first[f"staging/{table}"]["days_skipped"]) == (
            days,
            0,
        )
        assert (second[f"staging/{table}"]["days_loaded"], second[f"staging/{table}"]["days_skipped"]) == (
            0,
            days,
        )
    for fact in FACTS:
        assert first[f"warehouse/{fact}"]["days_rebuilt"] > 0
        assert second[f"warehouse/{fact}"]["days_rebuilt"] == 0
        assert (
            second[f"warehouse/{fact}"]["dagster/row_count"]
            == first[f"warehouse/{fact}"]["dagster/row_count"]
        )


def test_forced_rewrite_of_every_day_is_byte_identical(pipeline: Pipeline, clone: str) -> None:
    """With the load ledgers emptied, every day is deleted and written again: same bytes."""
    with psycopg.connect(clone, autocommit=True) as conn:
        conn.execute("DELETE FROM ops.staging_loads")
        conn.execute("DELETE FROM ops.fact_builds")
    instance = dg.DagsterInstance.ephemeral()
    summary = runner.run_graph(instance=instance, asset_selection=graph_keys())
    assert summary.ok, (summary.failed_assets, summary.failed_checks)
    meta = materialization_metadata(instance, summary.run_id)
    for table in EVENT_TABLES:
        assert meta[f"staging/{table}"]["days_loaded"] == _landed(pipeline, table)
    assert checksums(clone) == pipeline.baseline
