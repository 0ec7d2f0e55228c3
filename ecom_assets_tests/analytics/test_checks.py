"""Checks that must fail fail, and block the report; rebuilding gives the same rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import psycopg
import pytest

from ecom_assets.defs.analytics import contracts
from ecom_assets.lib import postgres
from ecom_assets_tests.analytics import seed
from ecom_assets_tests.analytics.conftest import materialize_analytics
from ecom_assets_tests.conftest import create_database, drop_database


@pytest.fixture
def seeded(admin_url: str, data_dir) -> Iterator[str]:
    url = create_database(admin_url, prefix="ecom_analytics_chk")
    with psycopg.connect(url) as conn:
        seed.seed(conn)
    yield url
    drop_database(admin_url, url)


def _evaluations(result) -> dict:
    return {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}


def test_order_after_as_of_breaks_daily_reconciliation_and_blocks_report(seeded: str) -> None:
    with psycopg.connect(seeded) as conn:
        seed.set_as_of(conn, dt.date(2025, 12, 19))  # ORD_0004, 0101, 0102 (12-20) now lie beyond it
    result = materialize_analytics(seeded)
    ev = _evaluations(result)
    daily = ev[("daily_sales", "revenue_reconciles")]
    assert not daily.passed
    assert daily.metadata["difference"].value == -130.0  # 30 + 50 + 50 missing from the days
    assert ev[("customer_metrics", "revenue_reconciles")].passed  # customers count every order
    assert not result.success
    assert not result.asset_materializations_for_node("analytics__business_questions")


def test_rebuild_is_idempotent(seeded: str) -> None:
    assert materialize_analytics(seeded).success
    with psycopg.connect(seeded) as conn:
        first = {t: postgres.table_checksum(conn, f"analytics.{t}") for t in contracts.CONTRACTS}
    assert materialize_analytics(seeded).success
    with psycopg.connect(seeded) as conn:
        second = {t: postgres.table_checksum(conn, f"analytics.{t}") for t in contracts.CONTRACTS}
        rows = conn.execute("SELECT count(*) FROM analytics.customer_metrics").fetchone()[0]
    assert first == second and rows == 11


def test_empty_warehouse_builds_empty_tables(admin_url: str, data_dir) -> None:
    url = create_database(admin_url, prefix="ecom_analytics_empty")
    try:
        with psycopg.connect(url) as conn:
            seed.create_schema(conn)
            seed.set_as_of(conn, seed.AS_OF)
        result = materialize_analytics(url)
        assert result.success
        with psycopg.connect(url) as conn:
            for table in contracts.CONTRACTS:
                n = conn.execute(f"SELECT count(*) FROM analytics.{table}").fetchone()[0]  # noqa: S608
                assert n == 0, table
    finally:
        drop_database(admin_url, url)


def test_missing_as_of_fails_with_a_clear_message(admin_url: str, data_dir) -> None:
    url = create_database(admin_url, prefix="ecom_analytics_noasof")
    try:
        with psycopg.connect(url) as conn:
            seed.create_schema(conn)
        result = materialize_analytics(url)
        assert not result.success
        failure = next(e for e in result.all_events if e.is_step_failure)
        assert "holds no as-of date" in str(failure.step_failure_data.error.message)
    finally:
        drop_database(admin_url, url)


def test_contract_reports_failure_cases() -> None:
    frame = pd.DataFrame(
        {
            "customer_segment": ["Premium", "Premium"],
            "customers": [2, 1],
            "buyers": [1, 1],
            "total_lifetime_value": [10.0, 5.0],
            "avg_lifetime_value": [5.0, 5.0],
            "share_of_customers_pct": [66.67, 133.33],
            "share_of_revenue_pct": [66.67, 33.33],
            "high_churn_risk": [0, 0],
            "medium_churn_risk": [0, 0],
            "low_churn_risk": [1, 0],
            "no_purchase": [1, 0],
        }
    )
    failures = contracts.validate("segment_metrics", frame)
    assert failures is not None
    checks = set(failures["check"].astype(str))
    assert any("field_uniqueness" in c or "unique" in c for c in checks)  # Premium twice
    assert any("in_range" in c for c in checks)  # 133.33 %
    assert any("churn_counts_add_up" in c for c in checks)  # 0 + 0 + 0 + 0 != 1
    assert contracts.validate("segment_metrics", frame.iloc[:1]) is None
