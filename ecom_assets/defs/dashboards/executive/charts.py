"""Executive summary: revenue and profit by month over a daily strip, segments' shares, churn.

Data: the ``.sql`` files beside this module (by file name) and the shared answer
``segment_shares`` (the report's and the ``bi`` view's query).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ecom_assets.defs.dashboards import spec as s
from ecom_assets.lib import formats as fmt

# The overview strip's grain (daily_trend.sql): axis title and tooltip label.
STRIP_GRAIN = {"day": ("Daily", "Day"), "week": ("Weekly", "Week of"), "month": ("Monthly", "Month")}


def _trend(frames: dict[str, pd.DataFrame], palette: s.Palette) -> tuple[alt.VConcatChart, str]:
    brush = alt.selection_interval(name="exec_range", encodings=["x"])
    measures = ["Net revenue", "Gross profit"]
    trend = (
        alt.Chart(s.data(frames["monthly_trend"]))
        .transform_fold(["net_revenue", "gross_profit"], as_=["measure_key", "amount"])
        .transform_calculate(measure="datum.measure_key == 'net_revenue' ? 'Net revenue' : 'Gross profit'")
        .mark_line(point=True, strokeWidth=2.5, clip=True)
        .encode(
            # Overview + detail: the brush on the strip below sets this axis' range (on screen).
            x=alt.X("utcyearmonth(month):T", title=None, scale=alt.Scale(domain=brush), axis=s.MONTH_AXIS),
            y=alt.Y("amount:Q", title="Per month", axis=s.MONEY_AXIS),
            color=alt.Color("measure:N", title=None, sort=measures, scale=palette.scale("measure", measures)),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title="Month", format="%B %Y"),
                alt.Tooltip("measure:N", title="Measure"),
                s.money_tip("amount", "Amount"),
            ],
        )
        .properties(width=560, height=240)
    )
    strip = frames["daily_trend"]
    grain = str(s.first(strip, "grain", "day"))
    strip_title, strip_tip = STRIP_GRAIN[grain]
    overview = (
        alt.Chart(s.data(strip))
        .mark_area(color=s.REVENUE, opacity=0.6)
        .encode(
            x=alt.X(
                "sales_date:T",
                title=None,
                scale=alt.Scale(type="utc"),
                axis=alt.Axis(format=fmt.D3_MONTH, tickCount="month", labelOverlap=True),
            ),
            y=alt.Y("net_revenue:Q", title=strip_title, axis=alt.Axis(format=fmt.D3_MONEY_AXIS, tickCount=2)),
            tooltip=[
                alt.Tooltip("sales_date:T", title=strip_tip, format=fmt.D3_DAY, formatType="utc"),
                s.money_tip("net_revenue", "Net revenue"),
                s.count_tip("orders", "Orders"),
            ],
        )
        .add_params(brush)
        .properties(width=560, height=60)
    )
    return alt.vconcat(trend, overview, spacing=8), strip_title.lower()


def _segments(frames: dict[str, pd.DataFrame], palette: s.Palette) -> alt.LayerChart:
    """Each segment's share of customers and of revenue, as ``segment_shares`` states them."""
    seg = frames["segment_shares"]
    order = palette.domain("segment")
    seg = seg.assign(rank=[order.index(v) for v in seg["customer_segment"]]).sort_values("rank")
    rows = []
    for measure, column in (("Customers", "share_of_customers_pct"), ("Revenue", "share_of_revenue_pct")):
        left = 0.0
        for _, r in seg.iterrows():
            share = float(r[column] or 0)
            rows.append(
                {
                    "segment": r["customer_segment"],
                    "rank": int(r["rank"]),
                    "measure": measure,
                    "share": share,
                    "mid": left + share / 2,
                    "label": fmt.percent(share),
                    "customers": int(r["customers"]),
                    "lifetime_value": float(r["total_lifetime_value"] or 0),
                }
            )
            left += share
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("measure:N", title=None, sort=["Customers", "Revenue"])
    )
    bars = base.mark_bar().encode(
        x=alt.X("share:Q", title=None, stack="zero", scale=alt.Scale(domain=[0, 100]), axis=s.PERCENT_AXIS),
        order=alt.Order("rank:Q"),
        color=alt.Color("segment:N", title="Segment", scale=palette.scale("segment"), sort=order),
        tooltip=[
            alt.Tooltip("segment:N", title="Segment"),
            alt.Tooltip("measure:N", title="Share of"),
            alt.Tooltip("share:Q", title="Share (%)", format=fmt.D3_PERCENT),
            s.count_tip("customers", "Customers"),
            s.money_tip("lifetime_value", "Lifetime value"),
        ],
    )
    text = (
        base.transform_filter("datum.share >= 7")
        .mark_text(color="white", fontWeight="bold")
        .encode(x=alt.X("mid:Q"), text=alt.Text("label:N"))
    )
    return (bars + text).properties(width=420, height=110)


def _churn(frames: dict[str, pd.DataFrame], palette: s.Palette) -> alt.Chart:
    return (
        alt.Chart(s.data(frames["churn"]))
        .mark_bar()
        .encode(
            x=alt.X("churn_risk:N", title=None, sort=list(fmt.CHURN_ORDER), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("customers:Q", title="Customers", axis=s.COUNT_AXIS),
            color=alt.Color("churn_risk:N", legend=None, scale=palette.scale("churn")),
            tooltip=[alt.Tooltip("churn_risk:N", title="Churn risk"), s.count_tip("customers", "Customers")],
        )
        .properties(width=420, height=200)
    )


def executive(frames: dict[str, pd.DataFrame], palette: s.Palette) -> s.Dashboard:
    trend, strip = _trend(frames, palette)
    charts = [
        s.ChartSpec(
            "exec_trend",
            "Monthly net revenue and gross profit",
            f"Recognized orders per calendar month, with {strip} net revenue below.",
            trend,
            key=True,
            hint=f"Drag across the {strip} strip to narrow the months shown; double-click it to reset.",
        ),
        s.ChartSpec(
            "exec_segments",
            "Customer segments",
            "Each segment's share of all customers and of lifetime revenue (net of discounts), in %.",
            _segments(frames, palette),
            key=True,
        ),
        s.ChartSpec(
            "exec_churn",
            "Churn risk",
            "Customers by days since their last recognized order: Low up to 90, Medium 91-180, High "
            "over 180; No purchase: never bought.",
            _churn(frames, palette),
        ),
    ]
    return s.Dashboard(
        "executive",
        "Executive summary",
        "Revenue, profit and customers at a glance.",
        charts,
        print_pages=[["exec_trend", "exec_segments", "exec_churn"]],
    )
