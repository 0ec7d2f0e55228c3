"""Dashboards as files: analytics tables -> Vega-Lite specs -> one offline HTML page and a PDF.

No Dagster here (the asset in ``defs/dashboards`` calls it). The page inlines the Vega,
Vega-Lite and vega-embed JavaScript that ``vl-convert-python`` ships, the CSS and the data, so
it opens from ``file://`` with the network off; the PDF and the PNGs for the Dagster UI come
from the same specs through vl-convert's own renderer, so no browser is needed to build them.
See docs/DASHBOARDS.md for why this stack.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import html
import importlib.metadata
import io
import json
import logging
import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, cached_property
from pathlib import Path

import altair as alt
import pandas as pd
import psycopg
import vl_convert as vlc
from pypdf import PdfReader, PdfWriter

from ecom_assets.lib import vl_render

log = logging.getLogger(__name__)

# "Top products by profit margin" only ranks products with at least this many units (METRICS.md).
TOP_PRODUCTS_MIN_UNITS = 5

# Every chart's data is bounded, whatever the scale or the length of the history, so the page, the
# PDF and the time to build them stay the same size as the shop grows (the SQL applies these):
SCATTER_POINTS = 300  # margin vs units sold: the best-selling products, one point each
MAX_CAMPAIGNS = 20  # campaign charts: the campaigns with the largest budgets
MAX_BRANDS = 15  # revenue and margin by brand: the brands with the most net revenue
STRIP_POINTS = 731  # the daily strip: per day up to two years, then per week, then per month
HISTOGRAM_BINS = 30  # days to first purchase: bins of 1, 2, 5, 10, 20, 50, ... days
QUERY_PARAMS: dict[str, int] = {
    "min_units": TOP_PRODUCTS_MIN_UNITS,
    "scatter_points": SCATTER_POINTS,
    "max_campaigns": MAX_CAMPAIGNS,
    "max_brands": MAX_BRANDS,
    "strip_points": STRIP_POINTS,
    "max_bins": HISTOGRAM_BINS,
}

# One palette for every chart (Tableau 10: distinct hues, readable on white, colour-blind tolerant).
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]
REVENUE_COLOR, PROFIT_COLOR = PALETTE[0], PALETTE[2]
CHURN_ORDER = ["Low", "Medium", "High", "No purchase"]
CHURN_COLORS = [PALETTE[2], PALETTE[5], PALETTE[3], PALETTE[9]]
BUCKET_ORDER = [
    "Before registration",
    "Same day",
    "Within week",
    "Within month",
    "After month",
    "No purchase",
]
MONEY = "$,.2f"
MONEY_AXIS = "$,.0f"
# Counts are whole numbers: label only whole ticks (tickMinStep alone still gives "0, 1, 1, 2"
# on an axis up to 2 in this Vega version).
COUNT_AXIS = alt.Axis(
    format=",d", tickMinStep=1, labelExpr="datum.value % 1 ? '' : format(datum.value, ',d')"
)
VEGA_LITE_VERSION = "6.4"

CONFIG: dict[str, object] = {
    "font": "DejaVu Sans, Helvetica, Arial, sans-serif",
    "range": {"category": PALETTE},
    "mark": {"color": REVENUE_COLOR},
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 180, "gridColor": "#e6e6e6"},
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
    "title": {"fontSize": 14, "subtitleFontSize": 11, "subtitleColor": "#555", "anchor": "start"},
}


# ---------------------------------------------------------------- data


def load_frames(conn: psycopg.Connection, sql_dir: Path) -> dict[str, pd.DataFrame]:
    """Run every ``*.sql`` query in ``sql_dir``; one frame per file, named by its stem.

    Numerics arrive as ``Decimal`` and dates as ``date``: money stays exact for the KPI
    tiles, and :func:`_records` turns them into JSON numbers and ISO dates for the charts.
    """
    frames: dict[str, pd.DataFrame] = {}
    for path in sorted(sql_dir.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        with conn.cursor() as cur:
            cur.execute(text, QUERY_PARAMS if "%(" in text else None)
            cols = [d.name for d in cur.description]
            frames[path.stem] = pd.DataFrame(cur.fetchall(), columns=cols, dtype=object)
    return frames


@dataclass(frozen=True)
class Kpis:
    """The executive tiles, exact (``Decimal`` money), formatted by :meth:`tiles`."""

    as_of: dt.date | None
    net_revenue: Decimal
    gross_profit: Decimal
    orders: int
    customers: int
    registered_customers: int
    avg_order_value: Decimal | None

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Kpis:
        row = frame.iloc[0]
        aov = row["avg_order_value"]
        return cls(
            as_of=row["as_of"],
            net_revenue=Decimal(row["net_revenue"]),
            gross_profit=Decimal(row["gross_profit"]),
            orders=int(row["orders"]),
            customers=int(row["customers"]),
            registered_customers=int(row["registered_customers"]),
            avg_order_value=None if aov is None or pd.isna(aov) else Decimal(aov),
        )

    def tiles(self) -> list[tuple[str, str, str]]:
        """(key, label, shown text) per tile, in display order."""
        return [
            ("net_revenue", "Net revenue", format_money(self.net_revenue)),
            ("gross_profit", "Gross profit", format_money(self.gross_profit)),
            ("orders", "Orders", f"{self.orders:,}"),
            ("customers", "Customers", f"{self.customers:,}"),
            ("avg_order_value", "Avg order value", format_money(self.avg_order_value)),
            ("as_of", "As of", self.as_of.isoformat() if self.as_of else "n/a"),
        ]

    def line(self) -> str:
        """The tiles as one line of text (the PDF page headers)."""
        return "  ·  ".join(f"{label}: {text}" for _, label, text in self.tiles())


def format_money(value: Decimal | float | None) -> str:
    """``$1,234.57``: two decimals rounded half-up, as METRICS.md rounds money."""
    if value is None:
        return "n/a"
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """JSON-ready rows: Decimal -> float, date -> ``YYYY-MM-DD`` (parsed as UTC by Vega)."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, object] = {}
        for key, value in row.items():
            if value is None or (isinstance(value, float) and pd.isna(value)):
                clean[key] = None
            elif isinstance(value, Decimal):
                clean[key] = float(value)
            elif isinstance(value, dt.date):
                clean[key] = value.isoformat()[:10]
            else:
                clean[key] = value
        out.append(clean)
    return out


def _data(frame: pd.DataFrame) -> alt.Data:
    return alt.Data(values=_records(frame))


def _first(frame: pd.DataFrame, column: str, default: object = None) -> object:
    """The column's value in the first row (the SQL repeats totals and grains on every row)."""
    return frame[column].iloc[0] if len(frame) else default


def _total(frame: pd.DataFrame, column: str) -> int:
    """How many rows there were before the query's LIMIT (at least as many as it returned)."""
    return max(int(_first(frame, column, 0)), len(frame))


# The overview strip's grain (daily_trend.sql): axis title and tooltip label.
STRIP_GRAIN = {"day": ("Daily", "Day"), "week": ("Weekly", "Week of"), "month": ("Monthly", "Month")}


# ---------------------------------------------------------------- chart specs


@dataclass
class ChartSpec:
    """One chart: its Vega-Lite spec and the words around it."""

    id: str
    title: str
    caption: str
    chart: alt.TopLevelMixin
    key: bool = False  # shown in the Dagster UI too
    segment_param: str | None = None  # the signal the page's segment filter sets

    def spec(self) -> dict[str, object]:
        """The stand-alone spec, with the shared config (the page's chart)."""
        return {**self._dict, "config": CONFIG}

    def titled_spec(self) -> dict[str, object]:
        """The spec with title and caption inside it (a PNG carries no page around it)."""
        return {**self._dict, "title": {"text": self.title, "subtitle": self.caption}, "config": CONFIG}

    def titled(self) -> alt.TopLevelMixin:
        """The chart with title and caption inside it (the PDF carries no page around it)."""
        return self.chart.properties(title=alt.Title(self.title, subtitle=self.caption))

    @cached_property
    def _dict(self) -> dict[str, object]:
        # Not validated against the Vega-Lite schema here: that walks every data value and cost
        # more than a second a build; test_bounds validates every spec once instead.
        return self.chart.to_dict(validate=False)


@dataclass
class Dashboard:
    id: str
    title: str
    summary: str
    charts: list[ChartSpec] = field(default_factory=list)
    has_segment_filter: bool = False


def _segment_filter(name: str) -> tuple[alt.Parameter, str]:
    """A parameter the page's segment picker drives ('All' keeps every row)."""
    param = alt.param(name=name, value="All")
    return param, f"{name} == 'All' || datum.customer_segment == {name}"


def executive(frames: dict[str, pd.DataFrame]) -> list[ChartSpec]:
    brush = alt.selection_interval(name="exec_range", encodings=["x"])
    trend = (
        alt.Chart(_data(frames["monthly_trend"]))
        .transform_fold(["net_revenue", "gross_profit"], as_=["measure_key", "amount"])
        .transform_calculate(measure="datum.measure_key == 'net_revenue' ? 'Net revenue' : 'Gross profit'")
        .mark_line(point=True, strokeWidth=2.5, clip=True)
        .encode(
            # Overview + detail: the brush on the daily strip below sets this axis' range.
            x=alt.X(
                "utcyearmonth(month):T",
                title="Month",
                scale=alt.Scale(domain=brush),
                axis=alt.Axis(format="%b %Y", labelAngle=-40, tickCount="month", labelOverlap=True),
            ),
            y=alt.Y("amount:Q", title="Amount", axis=alt.Axis(format=MONEY_AXIS)),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=["Net revenue", "Gross profit"],
                scale=alt.Scale(domain=["Net revenue", "Gross profit"], range=[REVENUE_COLOR, PROFIT_COLOR]),
            ),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title="Month", format="%B %Y"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("amount:Q", title="Amount", format=MONEY),
            ],
        )
        .properties(width=560, height=240)
    )
    strip = frames["daily_trend"]
    grain = str(_first(strip, "grain", "day"))
    strip_title, strip_tip = STRIP_GRAIN[grain]
    overview = (
        alt.Chart(_data(strip))
        .mark_area(color=REVENUE_COLOR, opacity=0.6)
        .encode(
            x=alt.X(
                "sales_date:T",
                title="Drag here to pick a date range",
                scale=alt.Scale(type="utc"),
                axis=alt.Axis(format="%b %Y", tickCount="month", labelOverlap=True),
            ),
            y=alt.Y("net_revenue:Q", title=strip_title, axis=alt.Axis(format=MONEY_AXIS, tickCount=2)),
            tooltip=[
                alt.Tooltip("sales_date:T", title=strip_tip, format="%Y-%m-%d", formatType="utc"),
                alt.Tooltip("net_revenue:Q", title="Net revenue", format=MONEY),
                alt.Tooltip("orders:Q", title="Orders", format=","),
            ],
        )
        .add_params(brush)
        .properties(width=560, height=60)
    )
    trend_chart = alt.vconcat(trend, overview, spacing=8)

    segments = frames["segments"]
    seg = (
        alt.Chart(_data(segments))
        .transform_fold(["customers", "total_lifetime_value"], as_=["measure_key", "value"])
        .transform_joinaggregate(total="sum(value)", groupby=["measure_key"])
        .transform_calculate(
            share="datum.total ? datum.value / datum.total : 0",
            measure="datum.measure_key == 'customers' ? 'Customers' : 'Revenue (lifetime value)'",
        )
        .mark_bar()
        .encode(
            y=alt.Y("measure:N", title=None, sort=["Customers", "Revenue (lifetime value)"]),
            x=alt.X("share:Q", title="Share", stack="normalize", axis=alt.Axis(format="%")),
            color=alt.Color("customer_segment:N", title="Segment"),
            order=alt.Order("customer_segment:N"),
            tooltip=[
                alt.Tooltip("customer_segment:N", title="Segment"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
                alt.Tooltip("buyers:Q", title="Buyers", format=","),
                alt.Tooltip("total_lifetime_value:Q", title="Revenue (LTV)", format=MONEY),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .properties(width=420, height=110)
    )
    churn = (
        alt.Chart(_data(frames["churn"]))
        .mark_bar()
        .encode(
            x=alt.X("churn_risk:N", title="Churn risk", sort=CHURN_ORDER, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("customers:Q", title="Customers", axis=COUNT_AXIS),
            color=alt.Color(
                "churn_risk:N", legend=None, scale=alt.Scale(domain=CHURN_ORDER, range=CHURN_COLORS)
            ),
            tooltip=[
                alt.Tooltip("churn_risk:N", title="Churn risk"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
            ],
        )
        .properties(width=420, height=220)
    )
    return [
        ChartSpec(
            "exec_trend",
            "Monthly net revenue and gross profit",
            "Recognized orders per calendar month; drag on the "
            + ("daily strip" if grain == "day" else f"strip ({strip_title.lower()} net revenue)")
            + " to narrow the months shown.",
            trend_chart,
            key=True,
        ),
        ChartSpec(
            "exec_segments",
            "Customer segments",
            "Each segment's share of all customers and of lifetime revenue (net of discounts).",
            seg,
            key=True,
        ),
        ChartSpec(
            "exec_churn",
            "Churn risk",
            "Customers by days since their last recognized order: Low <= 90, Medium 91-180, High > 180.",
            churn,
        ),
    ]


def _product_labels(frame: pd.DataFrame) -> list[str]:
    """``PROD_00012 · Name``: the id first, so two products sharing a name stay two bars and a
    truncated label still says which product it is."""
    return [f"{i} · {n}" for i, n in zip(frame["product_id"], frame["product_name"], strict=True)]


def products(frames: dict[str, pd.DataFrame]) -> list[ChartSpec]:
    money_tips = [
        alt.Tooltip("net_revenue:Q", title="Net revenue", format=MONEY),
        alt.Tooltip("gross_profit:Q", title="Gross profit", format=MONEY),
        alt.Tooltip("margin_pct:Q", title="Margin %", format=".2f"),
        alt.Tooltip("units_sold:Q", title="Units sold", format=","),
    ]
    top = frames["top_products"].copy()
    top["label"] = _product_labels(top)
    top_chart = (
        alt.Chart(_data(top))
        .mark_bar()
        .encode(
            y=alt.Y(
                "label:N",
                title=None,
                sort=alt.SortField("margin_pct", order="descending"),
                axis=alt.Axis(labelLimit=280),
            ),
            x=alt.X("margin_pct:Q", title="Margin %"),
            color=alt.Color("category:N", title="Category"),
            tooltip=[
                alt.Tooltip("product_name:N", title="Product"),
                alt.Tooltip("product_id:N", title="ID"),
                alt.Tooltip("category:N", title="Category"),
                *money_tips,
            ],
        )
        .properties(width=380, height=alt.Step(22))
    )

    def revenue_margin(frame: pd.DataFrame, dim: str, title: str) -> alt.HConcatChart:
        # Same pixel height and band padding on both panels, so each row lines up across them.
        height = 36 * max(len(frame), 1)
        base = alt.Chart(_data(frame)).encode(
            y=alt.Y(f"{dim}:N", title=None, sort=alt.SortField("net_revenue", order="descending")),
            tooltip=[alt.Tooltip(f"{dim}:N", title=title), *money_tips],
        )
        revenue = (
            base.transform_fold(["net_revenue", "gross_profit"], as_=["measure_key", "amount"])
            .transform_calculate(
                measure="datum.measure_key == 'net_revenue' ? 'Net revenue' : 'Gross profit'"
            )
            .mark_bar()
            .encode(
                x=alt.X("amount:Q", title="Amount", axis=alt.Axis(format=MONEY_AXIS)),
                yOffset=alt.YOffset("measure:N", sort=["Net revenue", "Gross profit"]),
                color=alt.Color(
                    "measure:N",
                    title=None,
                    scale=alt.Scale(
                        domain=["Net revenue", "Gross profit"], range=[REVENUE_COLOR, PROFIT_COLOR]
                    ),
                ),
            )
            .properties(width=300, height=height)
        )
        margin = (
            base.mark_bar(color=PALETTE[8])
            .encode(
                x=alt.X("margin_pct:Q", title="Margin %"),
                y=alt.Y(
                    f"{dim}:N", title=None, axis=None, sort=alt.SortField("net_revenue", order="descending")
                ),
            )
            .properties(width=120, height=height)
        )
        return alt.hconcat(revenue, margin, spacing=6)

    points = frames["product_scatter"]
    sold = _total(points, "products_sold")
    brands = frames["brands"]
    n_brands = _total(brands, "brands_total")
    scatter = (
        alt.Chart(_data(points.drop(columns="products_sold")))
        .mark_circle(size=60, opacity=0.75)
        .encode(
            x=alt.X("units_sold:Q", title="Units sold", scale=alt.Scale(zero=True), axis=COUNT_AXIS),
            y=alt.Y("margin_pct:Q", title="Margin %"),
            color=alt.Color("category:N", title="Category"),
            tooltip=[
                alt.Tooltip("product_name:N", title="Product"),
                alt.Tooltip("product_id:N", title="ID"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("brand:N", title="Brand"),
                *money_tips,
            ],
        )
        .properties(width=480, height=280)
    )
    scatter = scatter.add_params(alt.selection_interval(name="scatter_zoom", bind="scales"))

    cats = frames["categories"]
    inv_base = alt.Chart(_data(cats)).encode(
        y=alt.Y("category:N", title=None, sort=alt.SortField("net_revenue", order="descending")),
        tooltip=[
            alt.Tooltip("category:N", title="Category"),
            alt.Tooltip("inventory_turnover:Q", title="Inventory turnover", format=".2f"),
            alt.Tooltip("days_of_supply:Q", title="Days of supply", format=",.1f"),
            alt.Tooltip("avg_on_hand_units:Q", title="Avg units on hand", format=",.1f"),
            alt.Tooltip("units_sold:Q", title="Units sold", format=","),
        ],
    )
    inventory = alt.hconcat(
        inv_base.mark_bar(color=PALETTE[4])
        .encode(x=alt.X("inventory_turnover:Q", title="Inventory turnover (units sold / avg on hand)"))
        .properties(width=230, height=alt.Step(20)),
        inv_base.mark_bar(color=PALETTE[6])
        .encode(
            x=alt.X("days_of_supply:Q", title="Days of supply"),
            y=alt.Y(
                "category:N", title=None, axis=None, sort=alt.SortField("net_revenue", order="descending")
            ),
        )
        .properties(width=200, height=alt.Step(20)),
        spacing=6,
    )
    low = frames["low_stock"].copy()
    low["label"] = _product_labels(low)
    low_chart = (
        alt.Chart(_data(low))
        .mark_bar(color=PALETTE[3])
        .encode(
            y=alt.Y(
                "label:N",
                title=None,
                sort=alt.SortField("avg_on_hand_units", order="ascending"),
                axis=alt.Axis(labelLimit=280),
            ),
            x=alt.X("avg_on_hand_units:Q", title="Average units on hand"),
            tooltip=[
                alt.Tooltip("product_name:N", title="Product"),
                alt.Tooltip("product_id:N", title="ID"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("avg_on_hand_units:Q", title="Avg units on hand", format=",.1f"),
                alt.Tooltip("units_sold:Q", title="Units sold", format=","),
                alt.Tooltip("days_of_supply:Q", title="Days of supply", format=",.1f"),
            ],
        )
        .properties(width=380, height=alt.Step(22))
    )
    return [
        ChartSpec(
            "prod_top_margin",
            "Top 10 products by margin",
            f"Gross profit / net revenue among products with at least {TOP_PRODUCTS_MIN_UNITS} units sold.",
            top_chart,
            key=True,
        ),
        ChartSpec(
            "prod_category",
            "Revenue and margin by category",
            "Net revenue and gross profit of recognized orders, with margin % on the right.",
            revenue_margin(frames["categories"], "category", "Category"),
            key=True,
        ),
        ChartSpec(
            "prod_brand",
            "Revenue and margin by brand",
            (
                f"The {len(brands):,} brands with the most net revenue, of {n_brands:,}"
                if n_brands > len(brands)
                else "Every brand, most net revenue first"
            )
            + "; margin % on the right.",
            revenue_margin(brands.drop(columns="brands_total"), "brand", "Brand"),
        ),
        ChartSpec(
            "prod_scatter",
            "Margin vs units sold" + (f": the {len(points):,} best sellers" if sold > len(points) else ""),
            (
                f"The {len(points):,} products with the most units sold, of {sold:,} that sold"
                if sold > len(points)
                else "One point per product that sold"
            )
            + "; coloured by category; scroll to zoom, drag to pan.",
            scatter,
        ),
        ChartSpec(
            "prod_inventory",
            "Inventory turnover and days of supply by category",
            "Units sold over average stock on hand, and days the average stock lasts at the average sales rate.",
            inventory,
        ),
        ChartSpec(
            "prod_low_stock",
            "Lowest-stock products",
            "The 10 products with the fewest units on hand, averaged over the loaded snapshot days.",
            low_chart,
        ),
    ]


def customers(frames: dict[str, pd.DataFrame]) -> list[ChartSpec]:
    p_reg, f_reg = _segment_filter("seg_acq_monthly")
    acq = (
        alt.Chart(_data(frames["acquisition_monthly"]))
        .add_params(p_reg)
        .transform_filter(f_reg)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X(
                "utcyearmonth(month):T",
                title="Month",
                axis=alt.Axis(format="%b %Y", labelAngle=-40, tickCount="month", labelOverlap=True),
            ),
            y=alt.Y("sum(customers):Q", title="Customers", axis=COUNT_AXIS),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["Registrations", "First purchases"], range=[PALETTE[0], PALETTE[1]]),
            ),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title="Month", format="%B %Y"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("sum(customers):Q", title="Customers", format=","),
            ],
        )
        .properties(width=520, height=240)
    )
    p_days, f_days = _segment_filter("seg_days_first")
    days = (
        alt.Chart(_data(frames["days_to_first"]))
        .add_params(p_days)
        .transform_filter(f_days)
        .mark_bar(color=PALETTE[0], binSpacing=1)
        .encode(
            # Binned in SQL (days_to_first.sql): days_from .. days_to is one bin.
            x=alt.X("days_from:Q", bin="binned", title="Days from registration to first purchase"),
            x2="days_to:Q",
            y=alt.Y("sum(customers):Q", title="Buyers", axis=COUNT_AXIS),
            tooltip=[
                alt.Tooltip("days:N", title="Days"),
                alt.Tooltip("sum(customers):Q", title="Buyers", format=","),
            ],
        )
        .properties(width=420, height=240)
    )
    p_bucket, f_bucket = _segment_filter("seg_buckets")
    buckets = (
        alt.Chart(_data(frames["acquisition_buckets"]))
        .add_params(p_bucket)
        .transform_filter(f_bucket)
        .mark_bar()
        .encode(
            y=alt.Y(
                "acquisition_bucket:N", title=None, sort=BUCKET_ORDER, scale=alt.Scale(domain=BUCKET_ORDER)
            ),
            x=alt.X("sum(customers):Q", title="Customers", axis=COUNT_AXIS),
            color=alt.Color("customer_segment:N", title="Segment"),
            tooltip=[
                alt.Tooltip("acquisition_bucket:N", title="Bucket"),
                alt.Tooltip("customer_segment:N", title="Segment"),
                alt.Tooltip("sum(customers):Q", title="Customers", format=","),
            ],
        )
        .properties(width=420, height=alt.Step(26))
    )
    seg_base = alt.Chart(_data(frames["segments"])).encode(
        y=alt.Y(
            "customer_segment:N", title=None, sort=alt.SortField("total_lifetime_value", order="descending")
        ),
        color=alt.Color("customer_segment:N", title="Segment", legend=None),
        tooltip=[
            alt.Tooltip("customer_segment:N", title="Segment"),
            alt.Tooltip("customers:Q", title="Customers", format=","),
            alt.Tooltip("buyers:Q", title="Buyers", format=","),
            alt.Tooltip("total_lifetime_value:Q", title="Total LTV", format=MONEY),
            alt.Tooltip("avg_lifetime_value:Q", title="Average LTV", format=MONEY),
        ],
    )
    ltv = alt.hconcat(
        seg_base.mark_bar()
        .encode(
            x=alt.X("total_lifetime_value:Q", title="Total lifetime value", axis=alt.Axis(format=MONEY_AXIS))
        )
        .properties(width=250, height=alt.Step(30)),
        seg_base.mark_bar()
        .encode(
            x=alt.X("avg_lifetime_value:Q", title="Average per customer", axis=alt.Axis(format=MONEY_AXIS)),
            y=alt.Y(
                "customer_segment:N",
                title=None,
                axis=None,
                sort=alt.SortField("total_lifetime_value", order="descending"),
            ),
        )
        .properties(width=200, height=alt.Step(30)),
        spacing=6,
    )
    camp_tips = [
        alt.Tooltip("campaign_id:N", title="Campaign"),
        alt.Tooltip("channel:N", title="Channel"),
        alt.Tooltip("budget:Q", title="Budget", format=MONEY),
        alt.Tooltip("attributed_orders:Q", title="Attributed orders", format=","),
        alt.Tooltip("attributed_revenue:Q", title="Attributed revenue", format=MONEY),
        alt.Tooltip("roas:Q", title="ROAS", format=".2f"),
        alt.Tooltip("roi_pct:Q", title="ROI % (attributed)", format=".2f"),
        alt.Tooltip("conversions:Q", title="Reported conversions", format=","),
        alt.Tooltip("reported_roi:Q", title="Reported ROI", format=".2f"),
    ]
    camp = frames["campaigns"]
    n_camps = _total(camp, "campaigns_total")
    camp = camp.drop(columns="campaigns_total")
    which = (
        f" The {len(camp):,} campaigns with the largest budgets, of {n_camps:,}."
        if n_camps > len(camp)
        else ""
    )
    camp_base = alt.Chart(_data(camp)).encode(
        y=alt.Y("campaign_id:N", title=None, sort=alt.SortField("roi_pct", order="descending")),
        color=alt.Color("channel:N", title="Channel"),
        tooltip=camp_tips,
    )
    campaigns = alt.hconcat(
        camp_base.mark_bar()
        .encode(x=alt.X("attributed_revenue:Q", title="Attributed revenue", axis=alt.Axis(format=MONEY_AXIS)))
        .properties(width=200, height=alt.Step(20)),
        camp_base.mark_bar()
        .encode(
            x=alt.X("roas:Q", title="ROAS (revenue / budget)"),
            y=alt.Y(
                "campaign_id:N", title=None, axis=None, sort=alt.SortField("roi_pct", order="descending")
            ),
        )
        .properties(width=150, height=alt.Step(20)),
        camp_base.mark_bar()
        .encode(
            x=alt.X("roi_pct:Q", title="ROI % (gross profit - budget)"),
            y=alt.Y(
                "campaign_id:N", title=None, axis=None, sort=alt.SortField("roi_pct", order="descending")
            ),
        )
        .properties(width=170, height=alt.Step(20)),
        spacing=6,
    )
    channel_tips = [
        alt.Tooltip("channel:N", title="Channel"),
        alt.Tooltip("campaigns:Q", title="Campaigns", format=","),
        alt.Tooltip("budget:Q", title="Budget", format=MONEY),
        alt.Tooltip("attributed_revenue:Q", title="Attributed revenue", format=MONEY),
        alt.Tooltip("roas:Q", title="ROAS", format=".2f"),
        alt.Tooltip("roi_pct:Q", title="ROI %", format=".2f"),
    ]
    channels = (
        alt.Chart(_data(frames["channels"]))
        .mark_bar()
        .encode(
            y=alt.Y("channel:N", title=None, sort=alt.SortField("roi_pct", order="descending")),
            x=alt.X("roi_pct:Q", title="ROI % over the channel's budget"),
            color=alt.Color("channel:N", title="Channel", legend=None),
            tooltip=channel_tips,
        )
        .properties(width=300, height=alt.Step(24))
    )
    reported = (
        alt.Chart(_data(camp))
        .transform_fold(["conversions", "attributed_orders"], as_=["measure_key", "orders"])
        .transform_calculate(
            measure="datum.measure_key == 'conversions' ? 'Reported conversions' : 'Attributed orders'"
        )
        .mark_bar()
        .encode(
            y=alt.Y("campaign_id:N", title=None, sort=alt.SortField("roi_pct", order="descending")),
            yOffset=alt.YOffset("measure:N", sort=["Reported conversions", "Attributed orders"]),
            x=alt.X("orders:Q", title="Orders / conversions", axis=COUNT_AXIS),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(
                    domain=["Reported conversions", "Attributed orders"], range=[PALETTE[9], PALETTE[0]]
                ),
            ),
            tooltip=camp_tips,
        )
        .properties(width=360, height=alt.Step(10))
    )
    return [
        ChartSpec(
            "cust_acquisition",
            "Registrations and first purchases per month",
            "New registrations and customers placing their first recognized order, per calendar month.",
            acq,
            segment_param="seg_acq_monthly",
        ),
        ChartSpec(
            "cust_days_to_first",
            "Days to first purchase",
            "Distribution of days between registration and first recognized order, over buyers.",
            days,
            segment_param="seg_days_first",
        ),
        ChartSpec(
            "cust_buckets",
            "Acquisition buckets",
            "Customers by how soon after registering they first bought (No purchase: not yet).",
            buckets,
            segment_param="seg_buckets",
        ),
        ChartSpec(
            "cust_ltv",
            "Lifetime value by segment",
            "Historical CLV: total net revenue per segment, and the average over all its customers.",
            ltv,
            key=True,
        ),
        ChartSpec(
            "cust_campaigns",
            "Campaign effectiveness",
            "Last-touch attributed revenue, ROAS and ROI % per campaign, best ROI first." + which,
            campaigns,
        ),
        ChartSpec(
            "cust_channels",
            "ROI by channel",
            "Attributed gross profit minus budget over budget, summed over each channel's campaigns.",
            channels,
            key=True,
        ),
        ChartSpec(
            "cust_reported",
            "Reported vs attributed",
            "Conversions the ad platform reported against the orders our last-touch rule attributes." + which,
            reported,
        ),
    ]


def build_dashboards(frames: dict[str, pd.DataFrame]) -> list[Dashboard]:
    """The three dashboards of issue 5, in page order."""
    return [
        Dashboard(
            "executive",
            "Executive summary",
            "Revenue, profit and customers at a glance.",
            executive(frames),
        ),
        Dashboard(
            "products",
            "Product performance",
            "Which products and categories earn, and where stock runs low.",
            products(frames),
        ),
        Dashboard(
            "customers",
            "Customer analytics",
            "How customers arrive, what they are worth, and which campaigns brought them.",
            customers(frames),
            has_segment_filter=True,
        ),
    ]


# ---------------------------------------------------------------- HTML


@cache
def javascript_bundle(cache_dir: Path | None = None) -> str:
    """Vega + Vega-Lite + vega-embed as one script, from the vl-convert wheel (no network).

    vl-convert bundles the modules anew on every call (2-5 s), and each ``ecom run`` is a new
    process: with ``cache_dir`` the script is kept in a file named by the vl-convert and
    Vega-Lite versions, so only the first build after installing a new vl-convert pays for it.
    """
    if cache_dir is None:
        return vlc.javascript_bundle(vl_version=VEGA_LITE_VERSION)
    name = f"vega-bundle-vlconvert{importlib.metadata.version('vl-convert-python')}-vl{VEGA_LITE_VERSION}.js"
    path = cache_dir / name
    try:
        text = path.read_text(encoding="utf-8")
        if text.endswith(BUNDLE_END):
            return text[: -len(BUNDLE_END)]
    except OSError:
        pass
    text = vlc.javascript_bundle(vl_version=VEGA_LITE_VERSION)
    # The end marker tells a complete file from one cut short; the pid keeps concurrent builds
    # from writing the same temporary file. A cache that cannot be written (no home directory,
    # read-only) only means the next process builds the script again.
    tmp = path.with_name(f"{name}.{os.getpid()}.tmp")
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text + BUNDLE_END, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return text


BUNDLE_END = "\n/* end of the vl-convert bundle */\n"


def _script_safe(text: str) -> str:
    """Keep ``</script`` inside inlined code from closing the tag (``<\\/`` means the same in JS)."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


CSS = """
:root { --ink:#222; --muted:#666; --line:#e3e3e3; --accent:__ACCENT__; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color:var(--ink); background:var(--bg); }
header { background:#fff; border-bottom:1px solid var(--line); padding:14px 28px 0; }
header h1 { margin:0 0 2px; font-size:22px; }
header .meta { color:var(--muted); font-size:13px; margin-bottom:10px; }
nav { display:flex; gap:4px; }
nav button { border:1px solid var(--line); border-bottom:none; background:#eef0f3; padding:8px 16px;
  font-size:14px; cursor:pointer; border-radius:6px 6px 0 0; color:var(--ink); }
nav button[aria-selected="true"] { background:var(--bg); font-weight:bold; border-color:var(--accent); }
section.dashboard { display:none; padding:18px 28px 28px; }
section.dashboard.active { display:block; }
section.dashboard > p.summary { margin:0 0 14px; color:var(--muted); }
.kpis { display:grid; grid-template-columns:repeat(6, minmax(130px, 1fr)); gap:12px; margin-bottom:18px; }
.kpi { background:#fff; border:1px solid var(--line); border-top:4px solid var(--accent); border-radius:6px; padding:10px 14px; }
.kpi .label { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
.kpi .value { font-size:22px; font-weight:bold; margin-top:4px; white-space:nowrap; }
.grid { display:flex; flex-wrap:wrap; gap:16px; align-items:flex-start; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px 16px; max-width:100%; overflow-x:auto; }
.card h2 { font-size:15px; margin:0 0 8px; }
.card p.caption { font-size:12px; color:var(--muted); margin:8px 0 0; max-width:640px; }
.filter { margin-bottom:14px; font-size:14px; }
.filter select { font-size:14px; padding:3px 6px; }
.error { color:#b00020; }
footer { color:var(--muted); font-size:12px; padding:0 28px 20px; }
@media print { nav, .filter { display:none; } section.dashboard { display:block; page-break-after:always; } }
""".replace("__ACCENT__", PALETTE[0])

PAGE_JS = """
(function () {
  const specs = JSON.parse(document.getElementById('chart-specs').textContent);
  const views = {};
  window.dashboardViews = views;
  function show(id) {
    document.querySelectorAll('section.dashboard').forEach(s => s.classList.toggle('active', s.id === id));
    document.querySelectorAll('nav button').forEach(b => b.setAttribute('aria-selected', b.dataset.target === id));
    if (history.replaceState) history.replaceState(null, '', '#' + id);
  }
  window.showDashboard = show;
  document.querySelectorAll('nav button').forEach(b => b.addEventListener('click', () => show(b.dataset.target)));
  const first = (location.hash || '').slice(1);
  show(document.getElementById(first) ? first : document.querySelector('section.dashboard').id);
  const jobs = Object.keys(specs).map(id =>
    vegaEmbed('#' + id, specs[id], {renderer: 'svg', actions: false})
      .then(res => { views[id] = res.view; document.getElementById(id).dataset.rendered = '1'; })
      .catch(err => {
        document.getElementById(id).innerHTML = '<p class="error">chart failed: ' + err + '</p>';
        console.error('chart ' + id + ' failed', err);
      }));
  document.querySelectorAll('select[data-segment-filter]').forEach(sel => sel.addEventListener('change', () => {
    document.querySelectorAll('[data-segment-param]').forEach(el => {
      const view = views[el.id];
      if (view) view.signal(el.dataset.segmentParam, sel.value).runAsync();
    });
  }));
  Promise.all(jobs).then(() => { window.dashboardsReady = true; });
})();
"""


def render_html(
    dashboards: list[Dashboard],
    kpis: Kpis,
    segments: Iterable[str],
    note: str | None = None,
    cache_dir: Path | None = None,
) -> str:
    """The whole page: CSS, the JavaScript bundle, the specs with their data, all inline.

    No build timestamp: the same tables give the same bytes (the as-of date says how fresh).
    """
    esc = html.escape
    specs = {c.id: c.spec() for d in dashboards for c in d.charts}
    nav = "".join(
        f'<button type="button" role="tab" data-target="{d.id}">{esc(d.title)}</button>' for d in dashboards
    )
    tiles = "".join(
        f'<div class="kpi" data-kpi="{key}"><div class="label">{esc(label)}</div>'
        f'<div class="value">{esc(text)}</div></div>'
        for key, label, text in kpis.tiles()
    )
    options = "".join(f'<option value="{esc(s)}">{esc(s)}</option>' for s in ["All", *segments])
    sections = []
    for d in dashboards:
        parts = [f'<section class="dashboard" id="{d.id}" role="tabpanel">']
        parts.append(f'<p class="summary">{esc(d.summary)}</p>')
        if d.id == "executive":
            parts.append(f'<div class="kpis">{tiles}</div>')
        if d.has_segment_filter:
            parts.append(
                f'<div class="filter"><label>Segment: <select data-segment-filter="1">{options}</select>'
                "</label> (filters the acquisition charts)</div>"
            )
        parts.append('<div class="grid">')
        for c in d.charts:
            seg = f' data-segment-param="{c.segment_param}"' if c.segment_param else ""
            parts.append(
                f'<figure class="card" style="margin:0"><h2>{esc(c.title)}</h2>'
                f'<div class="chart" id="{c.id}"{seg}></div>'
                f'<p class="caption">{esc(c.caption)}</p></figure>'
            )
        parts.append("</div></section>")
        sections.append("".join(parts))
    as_of = kpis.as_of.isoformat() if kpis.as_of else "n/a"
    spec_json = json.dumps(specs, separators=(",", ":")).replace("</", "<\\/")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>E-commerce dashboards (as of {esc(as_of)})</title><style>{CSS}</style></head><body>"
        f'<header><h1>E-commerce dashboards</h1><div class="meta">Data as of {esc(as_of)} · '
        f"recognized orders only (not cancelled or returned) · money is net of discounts, before tax and "
        f'shipping{" · " + esc(note) if note else ""}</div><nav role="tablist">{nav}</nav></header>'
        f"{''.join(sections)}"
        "<footer>Definitions: docs/METRICS.md of the ecom-assets project. Hover a chart for exact values.</footer>"
        f"<script>{_script_safe(javascript_bundle(cache_dir))}</script>"
        f'<script type="application/json" id="chart-specs">{spec_json}</script>'
        f"<script>{PAGE_JS}</script></body></html>\n"
    )


# ---------------------------------------------------------------- PDF and PNG


def _stack(charts: list[ChartSpec], per_row: int = 2) -> alt.VConcatChart:
    """Charts two to a row; colour scales stay each chart's own (concat would merge them)."""
    rows = [charts[i : i + per_row] for i in range(0, len(charts), per_row)]
    return alt.vconcat(
        *[
            alt.hconcat(*[c.titled() for c in row], spacing=40).resolve_scale(color="independent")
            for row in rows
        ],
        spacing=36,
    ).resolve_scale(color="independent")


def dashboard_page(dashboard: Dashboard, kpis: Kpis) -> dict[str, object]:
    """One printed page: the dashboard's title, the KPI line and every chart with its caption."""
    subtitle = [kpis.line(), dashboard.summary]
    page = _stack(dashboard.charts).properties(
        title=alt.Title(dashboard.title, subtitle=subtitle, fontSize=20, subtitleFontSize=13, offset=16),
        padding=30,
    )
    spec = page.to_dict(validate=False)
    spec["config"] = CONFIG
    return spec


def dashboard_pdf(dashboard: Dashboard, kpis: Kpis) -> bytes:
    return vlc.vegalite_to_pdf(dashboard_page(dashboard, kpis), vl_version=VEGA_LITE_VERSION)


def render_pdf(dashboards: list[Dashboard], kpis: Kpis, pages: list[bytes] | None = None) -> bytes:
    """The dashboards' pages merged into one document (one page each); ``pages``: their PDFs
    rendered already (by :class:`vl_render.PdfJob`), else rendered here one after the other.

    vl-convert 1.9 holds the GIL while it converts and renders on a single worker, so threads
    do not overlap renders (measured); a child process does (``write_dashboards``).
    """
    if pages is None:
        pages = [dashboard_pdf(d, kpis) for d in dashboards]
    writer = PdfWriter()
    for pdf in pages:
        for page in PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
    writer.add_metadata({"/Title": "E-commerce dashboards", "/Subject": kpis.line()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def start_pdf_job(dashboards: list[Dashboard], kpis: Kpis) -> vl_render.PdfJob | None:
    """Start rendering every PDF page but the last in a child process (None: it could not start);
    :func:`finish_pdf` renders the last one here, after the PNGs, so both sides take about as long."""
    if len(dashboards) < 2:
        return None
    try:
        return vl_render.PdfJob([dashboard_page(d, kpis) for d in dashboards[:-1]], VEGA_LITE_VERSION)
    except OSError as exc:
        log.warning("dashboards: PDF renderer did not start (%s); rendering the pages here", exc)
        return None


def finish_pdf(job: vl_render.PdfJob | None, dashboards: list[Dashboard], kpis: Kpis) -> bytes:
    """The merged PDF: the pages ``job`` rendered and the last one rendered here; if the job did
    not start or failed (the reason is logged), every page rendered here."""
    if job is None:
        return render_pdf(dashboards, kpis)
    last = dashboard_pdf(dashboards[-1], kpis)
    try:
        pages = job.result()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        log.warning("dashboards: PDF renderer failed (%s); rendering the pages here", exc)
        pages = [dashboard_pdf(d, kpis) for d in dashboards[:-1]]
    return render_pdf(dashboards, kpis, [*pages, last])


def chart_png(chart: ChartSpec, scale: float = 1.0) -> bytes:
    return vlc.vegalite_to_png(chart.titled_spec(), vl_version=VEGA_LITE_VERSION, scale=scale)


def png_markdown(images: list[tuple[str, str, bytes]]) -> str:
    """Markdown with the PNGs inlined as data URIs, under a heading per dashboard.

    The Dagster UI's Markdown sanitizer allows ``data:`` image sources (checked in 1.13).
    """
    parts, heading = [], None
    for dashboard, title, png in images:
        if dashboard != heading:
            parts.append(f"### {dashboard}")
            heading = dashboard
        parts.append(f"![{title}](data:image/png;base64,{base64.b64encode(png).decode()})")
    return "\n\n".join(parts)


# ---------------------------------------------------------------- all of it


@dataclass
class Outputs:
    html_path: Path
    pdf_path: Path
    png_paths: dict[str, Path]
    kpis: Kpis
    charts: int
    pdf_pages: int
    markdown: str


def write_dashboards(
    conn: psycopg.Connection,
    sql_dir: Path,
    out_dir: Path,
    note: str | None = None,
    cache_dir: Path | None = None,
) -> Outputs:
    """Query, chart, and write ``dashboards.html``, ``dashboards.pdf`` and the key charts' PNGs.

    Files are written beside their final name and renamed, so a failure never leaves a
    half-written dashboard where the last good one was. ``cache_dir`` keeps the page's
    JavaScript bundle between processes (see :func:`javascript_bundle`).
    """
    frames = load_frames(conn, sql_dir)
    kpis = Kpis.from_frame(frames["kpis"])
    dashboards = build_dashboards(frames)
    segments = [str(s) for s in frames["segments"]["customer_segment"]]
    # PDF pages render in a child process while this one makes the page, the PNGs and the last page
    job = start_pdf_job(dashboards, kpis)
    page = render_html(dashboards, kpis, segments, note, cache_dir)
    key_charts = [(d, c) for d in dashboards for c in d.charts if c.key]
    pngs = [chart_png(c) for _, c in key_charts]
    pdf = finish_pdf(job, dashboards, kpis)
    out_dir.mkdir(parents=True, exist_ok=True)
    png_dir = out_dir / "dashboard_charts"
    png_dir.mkdir(exist_ok=True)
    images, png_paths = [], {}
    for (d, c), png in zip(key_charts, pngs, strict=True):
        path = png_dir / f"{c.id}.png"
        _atomic_write(path, png)
        png_paths[c.id] = path
        images.append((d.title, c.title, png))
    html_path, pdf_path = out_dir / "dashboards.html", out_dir / "dashboards.pdf"
    _atomic_write(html_path, page.encode("utf-8"))
    _atomic_write(pdf_path, pdf)
    return Outputs(
        html_path=html_path,
        pdf_path=pdf_path,
        png_paths=png_paths,
        kpis=kpis,
        charts=sum(len(d.charts) for d in dashboards),
        pdf_pages=len(PdfReader(io.BytesIO(pdf)).pages),
        markdown=png_markdown(images),
    )


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
