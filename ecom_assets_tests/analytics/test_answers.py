"""One answer everywhere: the report, the dashboards' data and the ``bi`` views give the same
campaign ROI ranking, top products and segment shares (METRICS.md questions 4, 1 and 2)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import dagster as dg
import pandas as pd
import psycopg
import pytest
from psycopg import sql

from ecom_assets.defs.analytics import answers, bi, report
from ecom_assets.defs.dashboards import build
from ecom_assets.defs.resources import PostgresResource
from ecom_assets_tests.analytics.conftest import Built


@pytest.fixture(scope="module")
def three(built: Built) -> Iterator[dict[str, object]]:
    """The report's answers, the dashboards' frames and charts, and the bi views, on one database."""
    role = f"ecom_bi_{uuid.uuid4().hex[:8]}"
    mp = pytest.MonkeyPatch()
    mp.setenv(bi.ENV_BI_USER, role)
    mp.delenv(bi.ENV_BI_PASSWORD, raising=False)
    try:
        result = dg.materialize(
            [bi.bi_access], resources={"warehouse": PostgresResource(database_url=built.url)}
        )
        assert result.success
        with psycopg.connect(built.url) as conn:
            rep = report.build_report(conn)
            frames = build.load_frames(conn)
            views = {
                name: pd.DataFrame(
                    (
                        cur := conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier("bi", name)))
                    ).fetchall(),
                    columns=[d.name for d in cur.description],
                    dtype=object,
                )
                for name in answers.ANSWERS
            }
        charts = {c.id: c for d in build.build_dashboards(frames) for c in d.charts}
        yield {"report": rep, "frames": frames, "views": views, "charts": charts}
    finally:
        mp.undo()
        with psycopg.connect(built.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _chart_rows(chart: object, key: str) -> list[object]:
    """The ``key`` values of the rows a chart's inline data holds, in order (first data set)."""
    found: list[list[dict]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            values = node.get("values")
            if isinstance(values, list) and values and isinstance(values[0], dict) and key in values[0]:
                found.append(node["values"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(chart.spec())  # type: ignore[attr-defined]
    return [row[key] for row in found[0]] if found else []


def test_campaign_roi_ranking_is_the_same_in_all_three(three: dict) -> None:
    rep, frames, views, charts = three["report"], three["frames"], three["views"], three["charts"]
    view = views["campaign_roi_ranking"]
    assert list(view["campaign_id"]) == list(frames["campaign_roi_ranking"]["campaign_id"])
    assert list(view["roi_pct"]) == list(frames["campaign_roi_ranking"]["roi_pct"])
    assert rep.answers["top_campaigns"] == list(view["campaign_id"][: report.TOP_N])
    assert rep.answers["top_campaigns"] == ["CAMP_001", "CAMP_002", "CAMP_003"]  # seed.py: -26, -66, -100
    assert _chart_rows(charts["cust_campaigns"], "campaign_id") == list(view["campaign_id"])
    assert list(view["roi_rank"]) == list(range(1, len(view) + 1))


def test_top_products_are_the_same_in_all_three(three: dict) -> None:
    rep, frames, views, charts = three["report"], three["frames"], three["views"], three["charts"]
    view = views["top_margin_products"]
    assert list(view["product_id"]) == list(frames["top_margin_products"]["product_id"])
    assert rep.answers["top_margin_products"] == list(view["product_id"][: report.TOP_N])
    assert rep.answers["top_margin_pct"] == view["margin_pct"].iloc[0]
    assert _chart_rows(charts["prod_top_margin"], "product_id") == list(view["product_id"][:10])


def test_segment_shares_are_the_same_in_all_three(three: dict) -> None:
    rep, frames, views, charts = three["report"], three["frames"], three["views"], three["charts"]
    view = views["segment_shares"].set_index("customer_segment")
    assert rep.answers["segment_ltv"] == view["total_lifetime_value"].to_dict()
    assert rep.answers["top_segment"] == view.index[0]
    frame = frames["segment_shares"].set_index("customer_segment")
    for column in ("share_of_customers_pct", "share_of_revenue_pct", "total_lifetime_value"):
        assert frame[column].to_dict() == view[column].to_dict(), column
    # the executive chart draws exactly these shares (not shares of its own making)
    chart = charts["exec_segments"]
    drawn = zip(
        _chart_rows(chart, "segment"), _chart_rows(chart, "measure"), _chart_rows(chart, "share"), strict=True
    )
    column = {"Customers": "share_of_customers_pct", "Revenue": "share_of_revenue_pct"}
    for segment, measure, share in drawn:
        assert share == float(view.loc[segment, column[measure]]), (segment, measure)
    text = rep.markdown()
    for segment, row in view.iterrows():
        assert f"| {segment} |" in text and f"{float(row['share_of_revenue_pct']):.1f}%" in text


def test_a_campaign_that_has_not_started_is_not_ranked(built: Built) -> None:
    """Its ROI is -100 % by definition (no orders yet): ranking it would put a plan among the flops."""
    with psycopg.connect(built.url) as conn:
        conn.execute(
            "UPDATE analytics.campaign_attribution SET start_date = (SELECT as_of + 1 FROM ops.run_context) "
            "WHERE campaign_id = 'CAMP_003'"
        )
        ranking = answers.fetch(conn, "campaign_roi_ranking")
        rep = report.build_report(conn)
        conn.rollback()
    assert list(ranking["campaign_id"]) == ["CAMP_001", "CAMP_002"]
    assert "1 campaign starts after the as-of date and is not ranked" in rep.markdown()
