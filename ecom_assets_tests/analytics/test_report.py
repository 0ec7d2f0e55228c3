"""The business-questions report: its numbers are the tables' numbers, worked out for seed.py."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from decimal import Decimal as Dec
from pathlib import Path

import psycopg

from ecom_assets.defs.analytics import report
from ecom_assets_tests.analytics.conftest import Built
from ecom_assets_tests.links import markdown_links, unresolved


def _metadata(built: Built) -> dict:
    mats = built.result.asset_materializations_for_node("analytics__business_questions")
    assert len(mats) == 1
    return {k: v.value for k, v in mats[0].metadata.items()}


def test_report_file_and_metadata(built: Built) -> None:
    meta = _metadata(built)
    path = Path(meta["report_path"])
    assert path == built.data_dir / "output" / "business_questions.md"
    text = path.read_text(encoding="utf-8")
    # the UI's copy names the definitions' file instead of a relative link that leads nowhere there
    assert text.replace("[METRICS.md](METRICS.md)", f"`{path.with_name('METRICS.md')}`") == meta["report"]
    assert "As of **31 Dec 2025**" in text
    assert meta["as_of"] == "2025-12-31"
    for heading in ("## 1.", "## 2.", "## 3.", "## 4.", "## 5.", "## Data problems"):
        assert heading in text


def test_report_answers_match_tables(built: Built, q) -> None:
    with psycopg.connect(built.url) as conn:
        rep = report.build_report(conn)
    a = rep.answers
    # 1. PROD_004 has the best margin (80 %) but only 3 units: not ranked
    assert a["top_margin_products"] == ["PROD_002", "PROD_001"]
    top = q(
        "SELECT product_id FROM analytics.product_metrics WHERE units_sold >= 5 "
        "ORDER BY margin_pct DESC, product_id"
    )
    assert a["top_margin_products"] == [r["product_id"] for r in top]
    assert a["category_margins"] == {"Books": Dec("80.00"), "Toys": Dec("55.70")}
    # 2. Regular 240 > Premium 185 > Budget 70
    assert a["top_segment"] == "Regular"
    assert a["segment_ltv"] == {
        r["customer_segment"]: r["total_lifetime_value"]
        for r in q("SELECT customer_segment, total_lifetime_value FROM analytics.segment_metrics")
    }
    # 3. best 2025-12 (225), worst: the first month with 0 (2025-01)
    assert a["best_month"] == (dt.date(2025, 12, 1), Dec("225.00"))
    assert a["worst_month"] == (dt.date(2025, 1, 1), Dec("0.00"))
    # 4. by roi_pct: -26, -66, -100
    assert a["top_campaigns"] == ["CAMP_001", "CAMP_002", "CAMP_003"]
    # 5. days >= 0 over buyers: 0, 7, 8, 30, 31, 1, 353, 353, 345 (C6's -1 left out)
    days = [0, 7, 8, 30, 31, 1, 353, 353, 345]
    assert a["mean_days_to_first_purchase"] == round(sum(days) / 9, 2) == 125.33
    assert a["median_days_to_first_purchase"] == statistics.median(days) == 30
    table_days = [
        r["days_to_first_purchase"]
        for r in q(
            "SELECT days_to_first_purchase FROM analytics.customer_metrics WHERE days_to_first_purchase >= 0"
        )
    ]
    assert sorted(table_days) == sorted(days)
    assert a["acquisition_buckets"] == {
        "After month": 4,
        "Within month": 2,
        "Within week": 2,
        "Before registration": 1,
        "No purchase": 1,
        "Same day": 1,
    }
    meta = _metadata(built)
    assert meta["mean_days_to_first_purchase"] == 125.33 and meta["median_days_to_first_purchase"] == 30


def test_report_flags_data_problems(built: Built) -> None:
    with psycopg.connect(built.url) as conn:
        rep = report.build_report(conn)
    p = rep.problems
    assert p["orders_unknown_customer"] == 1
    assert p["items_unknown_product"] == 1
    assert p["snapshots_unknown_product"] == 1
    assert p["customers_before_registration"] == 1
    assert p["rejected rows in staging.orders_rejects"] == 1
    assert p["rejected rows in staging.customers_rejects"] == 0
    text = rep.markdown()
    assert "customers before registration: **1**" in text
    assert "rejected rows in staging.orders_rejects: **1**" in text
    assert "**125.3 days**" in text and "Dec 2025" in text
    assert "| CAMP_001 |" in text and "| \u221226.0% |" in text and "| $417.00 |" in text


def test_report_reads_as_people_write_numbers_and_its_links_resolve(built: Built) -> None:
    path = built.data_dir / "output" / "business_questions.md"
    text = path.read_text(encoding="utf-8")
    # acquisition buckets in their own order, not by count
    rows = [
        line.split("|")[1].strip() for line in text.split("## 5.")[1].splitlines() if line.startswith("| ")
    ]
    assert rows[1:] == [
        "Before registration",
        "Same day",
        "Within week",
        "Within month",
        "After month",
        "No purchase",
    ]
    # months as months, growth with its sign, ratios named and written as ratios, money with currency
    section3 = text.split("## 3.")[1].split("## 4.")[0]
    assert "| Dec 2025 |" in section3 and "2025-12-01" not in section3
    assert re.search(r"\| [+\u2212]\d+\.\d% \|", section3)
    section4 = text.split("## 4.")[1].split("## 5.")[0]
    assert "ROAS (ratio)" in section4 and "Platform ROI (ratio)" in section4 and "\u00d7 |" in section4
    assert "| $100.00 |" in section4  # CAMP_001's budget
    assert unresolved(path.parent, markdown_links(text), path) == []
    assert "[METRICS.md](METRICS.md)" in text and (path.parent / "METRICS.md").is_file()


def test_problem_counts_hold_one_facts_partitions_at_a_time(fresh_db_url: str) -> None:
    """Over 180 month partitions per fact, each transaction of the data-problem counts holds the
    locks of one fact (or one pair, for the anti-joins) at a time: in one statement they held about
    4,500 of the 6,400 lock slots a stock PostgreSQL has in all (issue 14)."""
    from ecom_assets.defs.resources import PostgresResource
    from ecom_assets.defs.warehouse.common import ensure_warehouse
    from ecom_assets_tests.warehouse.helpers import prepare

    prepare(fresh_db_url)
    ensure_warehouse(PostgresResource(database_url=fresh_db_url))
    statements = report.problem_statements()
    with psycopg.connect(fresh_db_url) as conn:
        conn.execute(
            "SELECT warehouse.ensure_month_partition(f, (date '2011-01-01' + i * interval '1 month')::date) "
            "FROM unnest(ARRAY['fact_orders', 'fact_order_items', 'fact_clickstream', 'fact_inventory']) f, "
            "generate_series(0, 179) i"
        )
        conn.execute("CREATE TABLE analytics.customer_metrics (acquisition_bucket text)")
        conn.commit()
        held = []
        for statement in statements:
            conn.execute(statement)
            held.append(
                conn.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()").fetchone()[0]
            )
            conn.rollback()
        for statement in statements:  # the old way: every count in one transaction
            conn.execute(statement)
        all_at_once = conn.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()").fetchone()[0]
        conn.rollback()
    with psycopg.connect(fresh_db_url, autocommit=True) as auto:
        counts = report.problem_counts(auto)
    assert len(statements) == 7 and len(counts) == 8 and set(counts.values()) == {0}
    # measured: at most 2,164 (the anti-join of two facts) against 4,507 in one transaction
    assert max(held) <= 2_500 < 4_000 <= all_at_once, (held, all_at_once)
