"""Customer analytics: how customers arrive, what they are worth, which campaigns brought them.

Data: the ``.sql`` files beside this module (by file name) and the shared answers
``segment_shares`` and ``campaign_roi_ranking`` (the report's and the ``bi`` views' queries):
the campaign charts show the top of the same ROI ranking as the report, by campaign name.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from ecom_assets.defs.dashboards import spec as s
from ecom_assets.lib import formats as fmt


def _segment_filter(name: str) -> tuple[alt.Parameter, str]:
    """A parameter the page's segment picker drives ('All' keeps every row)."""
    param = alt.param(name=name, value="All")
    return param, f"{name} == 'All' || datum.customer_segment == {name}"


def _acquisition(frames: dict[str, pd.DataFrame], palette: s.Palette) -> alt.Chart:
    param, keep = _segment_filter("seg_acq_monthly")
    measures = ["Registrations", "First purchases"]
    return (
        alt.Chart(s.data(frames["acquisition_monthly"]))
        .add_params(param)
        .transform_filter(keep)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("utcyearmonth(month):T", title=None, axis=s.MONTH_AXIS),
            y=alt.Y("sum(customers):Q", title="Customers", axis=s.COUNT_AXIS),
            color=alt.Color("measure:N", title=None, sort=measures, scale=palette.scale("measure", measures)),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title="Month", format="%B %Y"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("sum(customers):Q", title="Customers", format=","),
            ],
        )
        .properties(width=500, height=230)
    )


def _days_to_first(frames: dict[str, pd.DataFrame]) -> alt.Chart:
    param, keep = _segment_filter("seg_days_first")
    return (
        alt.Chart(s.data(frames["days_to_first"]))
        .add_params(param)
        .transform_filter(keep)
        .mark_bar(color=s.REVENUE, binSpacing=1)
        .encode(
            # Binned in SQL (days_to_first.sql): days_from .. days_to is one bin.
            x=alt.X("days_from:Q", bin="binned", title="Days from registration to first purchase"),
            x2="days_to:Q",
            y=alt.Y("sum(customers):Q", title="Buyers", axis=s.COUNT_AXIS),
            tooltip=[
                alt.Tooltip("days:N", title="Days"),
                alt.Tooltip("sum(customers):Q", title="Buyers", format=","),
            ],
        )
        .properties(width=400, height=230)
    )


def _buckets(frames: dict[str, pd.DataFrame], palette: s.Palette) -> alt.Chart:
    param, keep = _segment_filter("seg_buckets")
    order = list(fmt.BUCKET_ORDER)
    return (
        alt.Chart(s.data(frames["acquisition_buckets"]))
        .add_params(param)
        .transform_filter(keep)
        .transform_calculate(rank=f"indexof({json.dumps(palette.domain('segment'))}, datum.customer_segment)")
        .mark_bar()
        .encode(
            y=alt.Y("acquisition_bucket:N", title=None, sort=order, scale=alt.Scale(domain=order)),
            x=alt.X("sum(customers):Q", title="Customers", axis=s.COUNT_AXIS),
            color=alt.Color("customer_segment:N", title="Segment", scale=palette.scale("segment")),
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip("acquisition_bucket:N", title="First purchase"),
                alt.Tooltip("customer_segment:N", title="Segment"),
                alt.Tooltip("sum(customers):Q", title="Customers", format=","),
            ],
        )
        .properties(width=400, height=alt.Step(26))
    )


def _ltv(frames: dict[str, pd.DataFrame], palette: s.Palette) -> alt.HConcatChart:
    order = palette.domain("segment")
    base = alt.Chart(s.data(frames["segment_shares"])).encode(
        y=alt.Y("customer_segment:N", title=None, sort=order),
        color=alt.Color("customer_segment:N", legend=None, scale=palette.scale("segment")),
        tooltip=[
            alt.Tooltip("customer_segment:N", title="Segment"),
            s.count_tip("customers", "Customers"),
            s.count_tip("buyers", "Buyers"),
            s.money_tip("total_lifetime_value", "Total lifetime value"),
            s.money_tip("avg_lifetime_value", "Average per customer"),
            s.pct_tip("share_of_revenue_pct", "Share of revenue"),
        ],
    )
    total = base.mark_bar().encode(
        x=alt.X("total_lifetime_value:Q", title="Total lifetime value", axis=s.MONEY_AXIS)
    )
    average = base.mark_bar().encode(
        x=alt.X("avg_lifetime_value:Q", title="Average per customer", axis=s.MONEY_AXIS),
        y=alt.Y("customer_segment:N", title=None, axis=None, sort=order),
    )
    return alt.hconcat(
        total.properties(width=240, height=alt.Step(30)),
        average.properties(width=190, height=alt.Step(30)),
        spacing=8,
    )


def _campaign_tips() -> list[alt.Tooltip]:
    return [
        alt.Tooltip("campaign_name:N", title="Campaign"),
        alt.Tooltip("campaign_id:N", title="ID"),
        alt.Tooltip("roi_rank:Q", title="ROI rank"),
        alt.Tooltip("channel:N", title="Channel"),
        alt.Tooltip("status:N", title="Status"),
        s.money_tip("budget", "Budget"),
        s.count_tip("attributed_orders", "Attributed orders"),
        s.money_tip("attributed_revenue", "Attributed revenue"),
        s.ratio_tip("roas", "ROAS"),
        alt.Tooltip("roi_pct:Q", title="ROI (%)", format="+.1f"),
        s.count_tip("reported_conversions", "Reported conversions"),
        s.ratio_tip("reported_roi", "Platform ROI"),
    ]


def _campaigns(camp: pd.DataFrame, palette: s.Palette) -> alt.HConcatChart:
    """Revenue, ROAS and ROI per campaign, and beside them the conversions the ad platform
    reported against the orders last-touch attribution finds (a log axis: they are often ten
    times apart), on one shared list of campaign names."""
    sort = alt.SortField("roi_rank")
    base = alt.Chart(s.data(camp)).encode(
        y=alt.Y("label:N", title=None, sort=sort, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("channel:N", title="Channel", scale=palette.scale("channel", camp["channel"])),
        tooltip=_campaign_tips(),
    )
    hidden = alt.Y("label:N", title=None, axis=None, sort=sort)
    revenue = base.mark_bar().encode(
        x=alt.X("attributed_revenue:Q", title="Attributed revenue", axis=s.MONEY_AXIS)
    )
    roas = base.mark_bar().encode(x=alt.X("roas:Q", title="ROAS (ratio)", axis=s.RATIO_AXIS), y=hidden)
    roi = base.mark_bar().encode(x=alt.X("roi_pct:Q", title="ROI (%)", axis=s.SIGNED_PERCENT_AXIS), y=hidden)
    log, log_axis = s.log_scale([*camp["reported_conversions"], *camp["attributed_orders"]])
    # two fixed colours, no colour scale: a second scale in the concat would repeat the channel
    # legend under every panel; the axis title names the two
    reported = (
        alt.Chart(s.data(camp))
        .transform_filter("datum.reported_conversions > 0")
        .mark_circle(size=60, opacity=1, color=s.COLORS["measure"]["Reported conversions"])
        .encode(
            y=hidden, x=alt.X("reported_conversions:Q", scale=log, axis=log_axis), tooltip=_campaign_tips()
        )
    )
    attributed = (
        alt.Chart(s.data(camp))
        .transform_filter("datum.attributed_orders > 0")
        .mark_circle(size=60, opacity=1, color=s.COLORS["measure"]["Attributed orders"])
        .encode(
            y=hidden,
            x=alt.X(
                "attributed_orders:Q",
                title=["Orders, log scale: attributed (blue),", "reported by the platform (grey)"],
                scale=log,
                axis=log_axis,
            ),
            tooltip=_campaign_tips(),
        )
    )
    orders = reported + attributed
    step = alt.Step(18)
    return alt.hconcat(
        revenue.properties(width=160, height=step),
        roas.properties(width=110, height=step),
        roi.properties(width=140, height=step),
        orders.properties(width=170, height=step),
        spacing=8,
    )


def _channels(frames: dict[str, pd.DataFrame], palette: s.Palette) -> alt.Chart:
    return (
        alt.Chart(s.data(frames["channels"]))
        .mark_bar()
        .encode(
            y=alt.Y("channel:N", title=None, sort=alt.SortField("roi_pct", order="descending")),
            x=alt.X("roi_pct:Q", title="ROI over the channel's budget (%)", axis=s.SIGNED_PERCENT_AXIS),
            color=alt.Color("channel:N", legend=None, scale=palette.scale("channel")),
            tooltip=[
                alt.Tooltip("channel:N", title="Channel"),
                s.count_tip("campaigns", "Campaigns"),
                s.money_tip("budget", "Budget"),
                s.money_tip("attributed_revenue", "Attributed revenue"),
                s.ratio_tip("roas", "ROAS"),
                alt.Tooltip("roi_pct:Q", title="ROI (%)", format="+.1f"),
            ],
        )
        .properties(width=300, height=alt.Step(24))
    )


def customers(frames: dict[str, pd.DataFrame], palette: s.Palette) -> s.Dashboard:
    ranking = frames["campaign_roi_ranking"]
    camp = ranking.head(s.MAX_CAMPAIGNS).copy()
    camp["label"] = s.labels(list(camp["campaign_name"]), list(camp["campaign_id"]))
    which = (
        f" The best {len(camp):,} of the {len(ranking):,} campaigns that have started, as the report ranks them."
        if len(ranking) > len(camp)
        else " Every campaign that has started, as the report ranks them."
    )
    charts = [
        s.ChartSpec(
            "cust_acquisition",
            "Registrations and first purchases per month",
            "New registrations and customers placing their first recognized order, per calendar month.",
            _acquisition(frames, palette),
            segment_param="seg_acq_monthly",
        ),
        s.ChartSpec(
            "cust_days_to_first",
            "Days to first purchase",
            "Days between registration and first recognized order, over buyers.",
            _days_to_first(frames),
            segment_param="seg_days_first",
        ),
        s.ChartSpec(
            "cust_buckets",
            "Time to first purchase",
            "Customers by how soon after registering they first bought (No purchase: not yet).",
            _buckets(frames, palette),
            segment_param="seg_buckets",
        ),
        s.ChartSpec(
            "cust_ltv",
            "Lifetime value by segment",
            "Historical CLV: net revenue per segment, and the average over all its customers.",
            _ltv(frames, palette),
            key=True,
        ),
        s.ChartSpec(
            "cust_campaigns",
            "Campaigns by return on investment",
            "Last-touch attributed revenue, ROAS (revenue / budget) and ROI ((gross profit − budget) / "
            "budget), best ROI first; on the right the conversions the ad platform reported against the "
            "orders our last-touch rule attributes, on a log scale." + which,
            _campaigns(camp, palette),
            wide=True,
        ),
        s.ChartSpec(
            "cust_channels",
            "ROI by channel",
            "Attributed gross profit minus budget over budget, summed over each channel's campaigns.",
            _channels(frames, palette),
            key=True,
        ),
    ]
    return s.Dashboard(
        "customers",
        "Customer analytics",
        "How customers arrive, what they are worth, and which campaigns brought them.",
        charts,
        has_segment_filter=True,
        print_pages=[
            ["cust_acquisition", "cust_days_to_first", "cust_buckets", "cust_ltv"],
            ["cust_campaigns", "cust_channels"],
        ],
    )
