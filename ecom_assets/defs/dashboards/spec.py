"""What every dashboard chart is built from: the chart and dashboard records, one colour per
category, segment, channel and churn level on every chart, axes in ``lib.formats``' rules,
and the bounds that keep each chart's data the same size at any scale.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import altair as alt
import pandas as pd

from ecom_assets.lib import formats as fmt

VEGA_LITE_VERSION = "6.4"

# "Top products by profit margin" only ranks products with at least this many units (METRICS.md).
TOP_PRODUCTS_MIN_UNITS = 5
# Every chart's data is bounded, whatever the scale or the length of the history, so the page, the
# PDF and the time to build them stay the same size as the shop grows (the SQL applies these):
SCATTER_POINTS = 300  # margin vs units sold: the best-selling products, one point each
MAX_CAMPAIGNS = 20  # campaign charts: the best 20 of the ROI ranking
MAX_BRANDS = 15  # revenue and margin by brand: the brands with the most net revenue
STRIP_POINTS = 731  # the daily strip: per day up to two years, then per week, then per month
HISTOGRAM_BINS = 30  # days to first purchase: bins of 1, 2, 5, 10, 20, 50, ... days
QUERY_PARAMS: dict[str, int] = {
    "min_units": TOP_PRODUCTS_MIN_UNITS,
    "scatter_points": SCATTER_POINTS,
    "max_brands": MAX_BRANDS,
    "strip_points": STRIP_POINTS,
    "max_bins": HISTOGRAM_BINS,
}

# Tableau 10 hues. A measure, a category, a segment, a channel or a churn level has the same
# colour on every chart; measures (revenue blue, profit green) never share a hue with the
# categories they are drawn beside.
REVENUE, PROFIT, GREY, INK = "#4e79a7", "#59a14f", "#bab0ac", "#555555"
COLORS: dict[str, dict[str, str]] = {
    "measure": {
        "Net revenue": REVENUE,
        "Gross profit": PROFIT,
        "Registrations": REVENUE,
        "First purchases": "#f28e2b",
        "Reported conversions": GREY,
        "Attributed orders": REVENUE,
    },
    "category": {
        "Electronics": "#f28e2b",
        "Clothing": "#b07aa1",
        "Home & Garden": "#76b7b2",
        "Sports & Outdoors": "#edc948",
        "Books": "#9c755f",
        "Health & Beauty": "#ff9da7",
    },
    "segment": {"Premium": "#b07aa1", "Regular": "#76b7b2", "Budget": "#9c755f"},
    "channel": {
        "Google Ads": "#4e79a7",
        "Facebook": "#a0cbe8",
        "Instagram": "#ff9da7",
        "Email": "#f28e2b",
        "TikTok": "#499894",
        "Affiliate": "#b6992d",
    },
    "churn": {"Low": PROFIT, "Medium": "#edc948", "High": "#e15759", "No purchase": GREY},
}
ORDERS: dict[str, Sequence[str]] = {
    "segment": fmt.SEGMENT_ORDER,
    "churn": fmt.CHURN_ORDER,
    "category": tuple(COLORS["category"]),
    "channel": tuple(COLORS["channel"]),
}
# For values a shop's own export brings that the maps above do not know (Tableau 20's others).
SPARE = ["#e15759", "#8cd17d", "#d37295", "#86bcb6", "#fabfd2", "#b9ac87", "#d4a6c8", "#79706e", "#f1ce63"]

CONFIG: dict[str, object] = {
    "font": "DejaVu Sans, Helvetica, Arial, sans-serif",
    "range": {"category": [REVENUE, PROFIT, *SPARE]},
    "mark": {"color": REVENUE},
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 220, "gridColor": "#e6e6e6"},
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
    "title": {"fontSize": 14, "subtitleFontSize": 11, "subtitleColor": INK, "anchor": "start"},
}


class Palette:
    """The colour scales of one build over the values the data holds (in their natural order):
    a known value always has its own colour, values a shop's own data brings take the spare
    hues in alphabetical order, the same on every chart of the build."""

    def __init__(self, values: dict[str, Iterable[str]]) -> None:
        self._scales: dict[str, tuple[list[str], list[str]]] = {}
        for kind, known in COLORS.items():
            seen = [str(v) for v in values[kind] if v is not None] if kind in values else list(known)
            domain = fmt.natural_order(seen, ORDERS.get(kind, tuple(known)))
            spare = iter(SPARE * 3)
            self._scales[kind] = (domain, [known.get(v) or next(spare) for v in domain])

    def domain(self, kind: str) -> list[str]:
        return self._scales[kind][0]

    def scale(self, kind: str, only: Iterable[str] | None = None) -> alt.Scale:
        """The colour scale of ``kind``; ``only``: just these values (a legend of what is drawn)."""
        domain, colors = self._scales[kind]
        if only is not None:
            keep = set(only)
            pairs = [(d, c) for d, c in zip(domain, colors, strict=True) if d in keep]
            domain, colors = [d for d, _ in pairs], [c for _, c in pairs]
        return alt.Scale(domain=domain, range=colors)


# Axes and tooltips in the formats' rules.
MONEY_AXIS = alt.Axis(format=fmt.D3_MONEY_AXIS)
# Counts are whole numbers: label only whole ticks (tickMinStep alone still gives "0, 1, 1, 2").
COUNT_AXIS = alt.Axis(
    format=fmt.D3_COUNT, tickMinStep=1, labelExpr="datum.value % 1 ? '' : format(datum.value, ',d')"
)
PERCENT_AXIS = alt.Axis(labelExpr="format(datum.value, '.1~f') + '%'")  # 64.5%, 65%: no twin labels
RATIO_AXIS = alt.Axis(labelExpr="format(datum.value, '.1f') + '×'")
SIGNED_PERCENT_AXIS = alt.Axis(labelExpr="(datum.value > 0 ? '+' : '') + format(datum.value, '.0f') + '%'")
MONTH_AXIS = alt.Axis(format=fmt.D3_MONTH, labelAngle=-40, tickCount="month", labelOverlap=True)


def money_tip(field_: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field_}:Q", title=title, format=fmt.D3_MONEY)


def count_tip(field_: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field_}:Q", title=title, format=",")


def pct_tip(field_: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field_}:Q", title=f"{title} (%)", format=fmt.D3_PERCENT)


def ratio_tip(field_: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field_}:Q", title=f"{title} (ratio)", format=fmt.D3_RATIO)


def zoomed(values: Iterable[object], pad: float = 0.08, floor: float | None = None) -> alt.Scale:
    """A linear scale zoomed onto the data (not from 0): differences of a few points show.
    The charts that use it draw dots, not bars (a bar's length would lie), and say so."""
    nums = [float(v) for v in values if v is not None and not pd.isna(v)]
    if not nums:
        return alt.Scale(zero=False)
    lo, hi = min(nums), max(nums)
    span = max(hi - lo, 1.0)
    low = lo - span * pad if floor is None else max(floor, lo - span * pad)
    return alt.Scale(zero=False, nice=True, domain=[low, hi + span * pad])


def log_scale(values: Iterable[object], money: bool = False) -> tuple[alt.Scale, alt.Axis]:
    """A log scale over the data with ticks at 1, 3, 10, 30, ... (or powers of ten when those
    would crowd the axis): for sizes two orders of magnitude apart, where a linear axis would
    make the small ones vanish."""
    nums = [float(v) for v in values if v is not None and not pd.isna(v) and float(v) > 0]
    lo, hi = (min(nums) / 1.5, max(nums) * 1.5) if nums else (1.0, 10.0)
    exps = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    ticks = [m * 10.0**e for e in exps for m in (1, 3) if lo <= m * 10.0**e <= hi]
    if len(ticks) > 7:
        ticks = [t for t in ticks if math.log10(t).is_integer()]
    axis = alt.Axis(values=ticks, format=fmt.D3_MONEY_AXIS if money else ",~s", grid=True)
    return alt.Scale(type="log", domain=[lo, hi], nice=False), axis


# ---------------------------------------------------------------- data


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
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


def data(frame: pd.DataFrame) -> alt.Data:
    return alt.Data(values=records(frame))


def first(frame: pd.DataFrame, column: str, default: object = None) -> object:
    """The column's value in the first row (the SQL repeats totals and grains on every row)."""
    return frame[column].iloc[0] if len(frame) and column in frame else default


def total(frame: pd.DataFrame, column: str) -> int:
    """How many rows there were before the query's LIMIT (at least as many as it returned)."""
    return max(int(first(frame, column, 0) or 0), len(frame))


def labels(names: Sequence[object], ids: Sequence[object]) -> list[str]:
    """Names for people; a name shared by two rows gets its id, so they stay two bars; a row
    without a name shows its id."""
    seen: dict[str, int] = {}
    for n in names:
        seen[str(n)] = seen.get(str(n), 0) + 1
    return [
        str(i) if n is None or pd.isna(n) else f"{n} ({i})" if seen[str(n)] > 1 else str(n)
        for n, i in zip(names, ids, strict=True)
    ]


# ---------------------------------------------------------------- charts and dashboards


@dataclass
class ChartSpec:
    """One chart: its Vega-Lite spec and the words around it.

    ``caption`` is true on paper and on screen; ``hint`` says how to interact and is shown on
    the page only (never in the PDF or the PNGs).
    """

    id: str
    title: str
    caption: str
    chart: alt.TopLevelMixin
    key: bool = False  # shown in the Dagster UI too
    segment_param: str | None = None  # the signal the page's segment filter sets
    hint: str = ""
    wide: bool = False  # takes a whole row of a printed page

    def spec(self) -> dict[str, object]:
        """The stand-alone spec, with the shared config (the page's chart)."""
        return {**self._dict, "config": CONFIG}

    def titled_spec(self) -> dict[str, object]:
        """The spec with title and caption inside it (a PNG carries no page around it)."""
        return {**self._dict, "title": {"text": self.title, "subtitle": self.caption}, "config": CONFIG}

    def titled(self) -> alt.TopLevelMixin:
        """The chart with title and caption inside it (a PDF page carries no HTML around it)."""
        return self.chart.properties(title=alt.Title(self.title, subtitle=wrap(self.caption)))

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
    # chart ids per printed page (in order); every chart on exactly one page
    print_pages: list[list[str]] = field(default_factory=list)

    def chart(self, chart_id: str) -> ChartSpec:
        return next(c for c in self.charts if c.id == chart_id)


def wrap(text: str, width: int = 90) -> list[str]:
    """A caption as lines of about ``width`` characters (a Vega subtitle does not wrap)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]
