"""Every chart's data is bounded however large the shop or long the history (spec.SCATTER_POINTS..).

The hand-made layer grown past each bound in a database of its own; no rendering, only the
queries and the specs the page, the PDF and the PNGs are drawn from.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import psycopg
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import core

from ecom_assets.defs.dashboards import build, paper, spec
from ecom_assets.defs.dashboards.kpis import Kpis
from ecom_assets_tests.dashboards.fixtures import (
    EXTRA_BRANDS,
    EXTRA_CAMPAIGNS,
    EXTRA_PRODUCTS,
    count_customers,
)

if TYPE_CHECKING:
    from ecom_assets_tests.dashboards.conftest import Grown


def _values(chart: spec.ChartSpec) -> list[list[dict]]:
    """Every inline data set in the chart's spec."""
    found: list[list[dict]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            values = node.get("values")
            if isinstance(values, list) and all(isinstance(v, dict) for v in values):  # data, not ticks
                found.append(values)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(chart.spec())
    return found


def test_scatter_keeps_the_best_sellers_and_says_it_cut(grown: Grown) -> None:
    points = grown.frames["product_scatter"]
    sold = EXTRA_PRODUCTS + 4  # the fixture's P1..P4 sold too (P5 did not)
    assert len(points) == spec.SCATTER_POINTS
    # The most units first: P1350 (350 units) .. P1051 (51 units); P1050 and below are out.
    assert points["units_sold"].min() == EXTRA_PRODUCTS - spec.SCATTER_POINTS + 1
    assert "P1050" not in set(points["product_id"]) and "P1" not in set(points["product_id"])
    chart = grown.charts["prod_scatter"]
    assert [len(v) for v in _values(chart)] == [spec.SCATTER_POINTS, 1]  # + the shop-margin line
    assert f"the {spec.SCATTER_POINTS} best sellers" in chart.title
    assert f"The {spec.SCATTER_POINTS} products with the most units sold, of {sold}" in chart.caption


def test_scatter_is_whole_when_it_fits(built) -> None:
    chart = next(c for d in build.build_dashboards(built.frames) for c in d.charts if c.id == "prod_scatter")
    assert chart.title == "Margin vs units sold"
    assert chart.caption.startswith("One point per product that sold")
    assert [len(v) for v in _values(chart)] == [4, 1]


def test_campaign_charts_keep_the_top_of_the_roi_ranking(grown: Grown) -> None:
    ranking = grown.frames["campaign_roi_ranking"]
    total = EXTRA_CAMPAIGNS + 3
    assert len(ranking) == total  # the shared answer ranks every campaign; the chart takes its top
    assert list(ranking["roi_pct"]) == sorted(ranking["roi_pct"], reverse=True)  # best ROI first
    # ROI -50 + i: CMPX1027 (-23) .. ; CMP1 (-40) ties CMPX1010 and goes first (campaign_id)
    top = list(ranking["campaign_id"][: spec.MAX_CAMPAIGNS])
    assert top[0] == "CMPX1027" and top.index("CMP1") < top.index("CMPX1010")
    chart = grown.charts["cust_campaigns"]
    assert f"The best {spec.MAX_CAMPAIGNS} of the {total} campaigns that have started" in chart.caption
    assert all(len(v) <= spec.MAX_CAMPAIGNS for v in _values(chart))
    shown = {row["campaign_id"] for v in _values(chart) for row in v}
    assert shown == set(top)


def test_brands_say_how_many_there_are(grown: Grown, built) -> None:
    assert len(grown.frames["brands"]) == spec.MAX_BRANDS
    caption = grown.charts["prod_brand"].caption
    assert f"The {spec.MAX_BRANDS} brands with the most net revenue, of {EXTRA_BRANDS + 3}" in caption
    small = next(c for d in build.build_dashboards(built.frames) for c in d.charts if c.id == "prod_brand")
    assert small.caption.startswith("Every brand")


def test_daily_strip_turns_weekly_then_monthly_on_a_long_history(grown: Grown) -> None:
    strip = grown.frames["daily_trend"]
    # 2015-01-01 .. 2025-03-05 is more than STRIP_POINTS days but fewer than 7 times as many.
    assert set(strip["grain"]) == {"week"}
    assert len(strip) <= spec.STRIP_POINTS
    assert all(d.weekday() == 0 for d in strip["sales_date"])  # weeks start on Monday
    with psycopg.connect(grown.url) as conn:
        orders, revenue = conn.execute(
            "SELECT sum(orders), sum(net_revenue) FROM analytics.daily_sales"
        ).fetchone()
    assert strip["orders"].sum() == orders and strip["net_revenue"].sum() == revenue  # nothing lost
    chart = grown.charts["exec_trend"]
    assert "weekly net revenue" in chart.caption
    assert "Weekly" in str(chart.spec()) and "Week of" in str(chart.spec())

    # Past 7 * STRIP_POINTS days: per month.
    with psycopg.connect(grown.url) as conn:
        conn.execute(
            "INSERT INTO analytics.daily_sales (sales_date, orders, net_revenue) VALUES ('1990-01-20', 1, 1)"
        )
        frames = build.load_frames(conn)
        conn.rollback()
    monthly = frames["daily_trend"]
    assert set(monthly["grain"]) == {"month"} and len(monthly) <= spec.STRIP_POINTS
    assert monthly["sales_date"].iloc[0] == dt.date(1990, 1, 1)


def test_days_to_first_purchase_is_binned_in_sql(grown: Grown) -> None:
    hist = grown.frames["days_to_first"]
    widths = set(hist["days_to"] - hist["days_from"])
    assert widths == {100}  # -30 .. 2,000 days: 50-day bins would take 42, 100-day bins take 22
    assert hist["days_from"].nunique() <= spec.HISTOGRAM_BINS
    assert all(d % 100 == 0 for d in hist["days_from"])
    assert "-100–-1" in set(hist["days"])
    with psycopg.connect(grown.url) as conn:
        buyers = dict(
            conn.execute(
                "SELECT customer_segment, count(*) FROM analytics.customer_metrics"
                " WHERE days_to_first_purchase IS NOT NULL GROUP BY 1"
            ).fetchall()
        )
    assert hist.groupby("customer_segment")["customers"].sum().to_dict() == buyers


def test_days_to_first_purchase_bins_are_the_narrowest_that_fit(built, analytics_url: str) -> None:
    hist = built.frames["days_to_first"]
    # 0 .. 71 days: 1- and 2-day bins would take 72 and 36, 5-day bins take 15.
    assert list(hist["days"]) == ["0–4", "5–9", "70–74"]
    assert list(hist["days_from"]) == [0, 5, 70] and set(hist["days_to"] - hist["days_from"]) == {5}
    with psycopg.connect(analytics_url) as conn:
        conn.execute(
            "UPDATE analytics.customer_metrics SET days_to_first_purchase = 29 WHERE customer_id = 'C3'"
        )
        count_customers(conn)  # as the customer_metrics build keeps its counts
        frames = build.load_frames(conn)
        conn.rollback()
    assert list(frames["days_to_first"]["days"]) == ["0", "5", "29"]  # 0 .. 29: one-day bins fit


@pytest.mark.parametrize("which", ["built", "grown"])
def test_every_spec_is_valid_vega_lite(which: str, request: pytest.FixtureRequest) -> None:
    """The build skips Altair's schema validation (it cost a second a build); check it here:
    the page's spec, the PNG's (titled) spec of every chart, and every PDF page."""
    frames = request.getfixturevalue(which).frames
    kpis = Kpis.from_frame(frames["kpis"])
    schema = core.load_schema()
    dashboards = build.build_dashboards(frames)
    for dashboard in dashboards:
        for chart in dashboard.charts:
            validate_jsonschema(chart.spec(), schema)
            validate_jsonschema(chart.titled_spec(), schema)
    for page in paper.print_pages(dashboards, kpis):
        validate_jsonschema(page, schema)
