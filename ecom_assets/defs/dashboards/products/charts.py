"""Product performance: top products by margin, revenue and margin by category and brand,
margin against units sold, stock turnover and the products that run out first.

Data: the ``.sql`` files beside this module (by file name) and the shared answer
``top_margin_products`` (the report's and the ``bi`` view's query).

Margins differ by a few points, so margin axes are zoomed onto the data and drawn as dots (a
bar's length from a zoomed axis would lie), with the shop-wide margin as a dashed reference
line; revenue spans two orders of magnitude between categories, so it is drawn on a log axis
where a small category would vanish on a linear one.
"""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import pandas as pd

from ecom_assets.defs.dashboards import spec as s
from ecom_assets.lib import formats as fmt

SCATTER_WIDTH = 470
MONEY_TIPS = [
    s.money_tip("net_revenue", "Net revenue"),
    s.money_tip("gross_profit", "Gross profit"),
    s.pct_tip("margin_pct", "Margin"),
    s.count_tip("units_sold", "Units sold"),
]


def shop_margin(frames: dict[str, pd.DataFrame]) -> float | None:
    """Gross profit over net revenue of the whole shop (the margin charts' reference line)."""
    k = frames["kpis"].iloc[0]
    revenue = Decimal(k["net_revenue"] or 0)
    return float(Decimal(k["gross_profit"] or 0) / revenue * 100) if revenue else None


def _reference(margin: float | None, orient: str = "x", width: int = 0) -> alt.Chart | None:
    """The shop-wide margin as a dashed line, labelled at its top (``x``) or right end (``y``,
    ``width``: the plot's width)."""
    if margin is None:
        return None
    rule = alt.Chart(alt.Data(values=[{"m": margin, "label": f"shop {fmt.percent(margin)}"}]))
    enc = {orient: alt.X("m:Q") if orient == "x" else alt.Y("m:Q")}
    line = rule.mark_rule(color=s.INK, strokeDash=[4, 3]).encode(**enc)
    if orient == "x":
        text = rule.mark_text(align="left", dx=3, dy=-4, color=s.INK, fontSize=10, baseline="bottom").encode(
            x="m:Q", y=alt.value(0), text="label:N"
        )
    else:
        text = rule.mark_text(align="right", dy=-5, color=s.INK, fontSize=10).encode(
            y="m:Q", x=alt.value(width), text="label:N"
        )
    return line + text


def _top_products(
    frames: dict[str, pd.DataFrame], palette: s.Palette, margin: float | None
) -> alt.LayerChart:
    top = frames["top_margin_products"].head(10).copy()
    top["label"] = s.labels(list(top["product_name"]), list(top["product_id"]))
    values = [*top["margin_pct"], *([margin] if margin is not None and not len(top) else [])]
    dots = (
        alt.Chart(s.data(top))
        .mark_circle(size=110, opacity=1)
        .encode(
            y=alt.Y("label:N", title=None, sort=alt.SortField("margin_rank"), axis=alt.Axis(labelLimit=280)),
            x=alt.X(
                "margin_pct:Q", title="Margin (%), axis zoomed", scale=s.zoomed(values), axis=s.PERCENT_AXIS
            ),
            color=alt.Color("category:N", title="Category", scale=palette.scale("category", top["category"])),
            tooltip=[
                alt.Tooltip("product_name:N", title="Product"),
                alt.Tooltip("product_id:N", title="ID"),
                alt.Tooltip("category:N", title="Category"),
                *MONEY_TIPS,
            ],
        )
    )
    return dots.properties(width=330, height=alt.Step(22))


def _revenue_margin(
    frame: pd.DataFrame, dim: str, title: str, palette: s.Palette, margin: float | None
) -> alt.HConcatChart:
    """Net revenue and gross profit (log axis) beside margin (zoomed dots, shop margin dashed)."""
    height = 30 * max(len(frame), 1)
    sort = alt.SortField("net_revenue", order="descending")
    base = alt.Chart(s.data(frame)).encode(tooltip=[alt.Tooltip(f"{dim}:N", title=title), *MONEY_TIPS])
    measures = ["Net revenue", "Gross profit"]
    log, log_axis = s.log_scale([*frame["net_revenue"], *frame["gross_profit"]], money=True)
    revenue = (
        base.transform_fold(["net_revenue", "gross_profit"], as_=["measure_key", "amount"])
        .transform_calculate(measure="datum.measure_key == 'net_revenue' ? 'Net revenue' : 'Gross profit'")
        .transform_filter("datum.amount > 0")
        .mark_circle(size=90, opacity=1)
        .encode(
            y=alt.Y(f"{dim}:N", title=None, sort=sort),
            x=alt.X("amount:Q", title="Amount (log scale)", scale=log, axis=log_axis),
            color=alt.Color("measure:N", title=None, sort=measures, scale=palette.scale("measure", measures)),
        )
        .properties(width=290, height=height)
    )
    dots = base.mark_circle(size=90, color=s.INK, opacity=1).encode(
        y=alt.Y(f"{dim}:N", title=None, axis=None, sort=sort),
        x=alt.X(
            "margin_pct:Q",
            title="Margin (%)",
            scale=s.zoomed([*frame["margin_pct"], margin]),
            axis=s.PERCENT_AXIS,
        ),
    )
    ref = _reference(margin)
    margins = (dots + ref if ref is not None else dots).properties(width=170, height=height)
    return alt.hconcat(revenue, margins, spacing=8)


def _scatter(frames: dict[str, pd.DataFrame], palette: s.Palette, margin: float | None) -> alt.Chart:
    points = frames["product_scatter"]
    log, log_axis = s.log_scale(points["units_sold"])
    chart = (
        alt.Chart(s.data(points.drop(columns="products_sold")))
        .mark_circle(size=55, opacity=0.75)
        .encode(
            x=alt.X("units_sold:Q", title="Units sold (log scale)", scale=log, axis=log_axis),
            y=alt.Y(
                "margin_pct:Q", title="Margin (%)", scale=s.zoomed(points["margin_pct"]), axis=s.PERCENT_AXIS
            ),
            color=alt.Color("category:N", title="Category", scale=palette.scale("category")),
            tooltip=[
                alt.Tooltip("product_name:N", title="Product"),
                alt.Tooltip("product_id:N", title="ID"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("brand:N", title="Brand"),
                *MONEY_TIPS,
            ],
        )
        .add_params(alt.selection_interval(name="scatter_zoom", bind="scales"))
        .properties(width=SCATTER_WIDTH, height=280)
    )
    ref = _reference(margin, orient="y", width=SCATTER_WIDTH)
    return chart + ref if ref is not None else chart


def _inventory(frames: dict[str, pd.DataFrame], palette: s.Palette) -> alt.HConcatChart:
    cats = frames["categories"]
    sort = alt.SortField("net_revenue", order="descending")
    base = alt.Chart(s.data(cats)).encode(
        y=alt.Y("category:N", title=None, sort=sort),
        color=alt.Color("category:N", legend=None, scale=palette.scale("category")),
        tooltip=[
            alt.Tooltip("category:N", title="Category"),
            alt.Tooltip("days_of_supply:Q", title="Days of supply", format=",.0f"),
            alt.Tooltip("inventory_turnover:Q", title="Inventory turnover (ratio)", format=fmt.D3_RATIO),
            alt.Tooltip("avg_on_hand_units:Q", title="Average units on hand", format=",.0f"),
            s.count_tip("units_sold", "Units sold"),
        ],
    )
    supply = base.mark_bar().encode(x=alt.X("days_of_supply:Q", title="Days of supply"))
    turnover = base.mark_bar().encode(
        x=alt.X("inventory_turnover:Q", title="Inventory turnover (ratio)", axis=s.RATIO_AXIS),
        y=alt.Y("category:N", title=None, axis=None, sort=sort),
    )
    return alt.hconcat(
        supply.properties(width=230, height=alt.Step(22)),
        turnover.properties(width=190, height=alt.Step(22)),
        spacing=8,
    )


def _low_supply(frames: dict[str, pd.DataFrame], palette: s.Palette) -> alt.Chart:
    low = frames["low_supply"].copy()
    low["label"] = s.labels(list(low["product_name"]), list(low["product_id"]))
    return (
        alt.Chart(s.data(low))
        .mark_bar()
        .encode(
            y=alt.Y(
                "label:N",
                title=None,
                sort=alt.SortField("days_of_supply", order="ascending"),
                axis=alt.Axis(labelLimit=280),
            ),
            x=alt.X("days_of_supply:Q", title="Days of supply"),
            color=alt.Color("category:N", title="Category", scale=palette.scale("category", low["category"])),
            tooltip=[
                alt.Tooltip("product_name:N", title="Product"),
                alt.Tooltip("product_id:N", title="ID"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("days_of_supply:Q", title="Days of supply", format=",.0f"),
                alt.Tooltip("avg_on_hand_units:Q", title="Average units on hand", format=",.1f"),
                s.count_tip("units_sold", "Units sold"),
            ],
        )
        .properties(width=330, height=alt.Step(22))
    )


def products(frames: dict[str, pd.DataFrame], palette: s.Palette) -> s.Dashboard:
    margin = shop_margin(frames)
    points = frames["product_scatter"]
    sold = s.total(points, "products_sold")
    brands = frames["brands"]
    n_brands = s.total(brands, "brands_total")
    cut = sold > len(points)
    charts = [
        s.ChartSpec(
            "prod_top_margin",
            "Top 10 products by margin",
            f"Gross profit / net revenue among products with at least {s.TOP_PRODUCTS_MIN_UNITS} units sold; "
            "the axis is zoomed onto the ten.",
            _top_products(frames, palette, margin),
            key=True,
        ),
        s.ChartSpec(
            "prod_category",
            "Revenue and margin by category",
            "Net revenue and gross profit of recognized orders on a log scale (each step is 10x), and "
            "margin with the shop-wide margin dashed.",
            _revenue_margin(frames["categories"], "category", "Category", palette, margin),
            key=True,
        ),
        s.ChartSpec(
            "prod_brand",
            "Revenue and margin by brand",
            (
                f"The {len(brands):,} brands with the most net revenue, of {n_brands:,}"
                if n_brands > len(brands)
                else "Every brand, most net revenue first"
            )
            + "; revenue on a log scale, margin with the shop-wide margin dashed.",
            _revenue_margin(brands.drop(columns="brands_total"), "brand", "Brand", palette, margin),
        ),
        s.ChartSpec(
            "prod_scatter",
            "Margin vs units sold" + (f": the {len(points):,} best sellers" if cut else ""),
            (
                f"The {len(points):,} products with the most units sold, of {sold:,} that sold"
                if cut
                else "One point per product that sold"
            )
            + "; units on a log scale, coloured by category, the shop-wide margin dashed.",
            _scatter(frames, palette, margin),
            hint="Scroll to zoom, drag to pan.",
        ),
        s.ChartSpec(
            "prod_inventory",
            "Days of supply and inventory turnover by category",
            "Days the average stock on hand lasts at the period's sales rate, and units sold over the "
            "average stock (times the stock turned over in the period).",
            _inventory(frames, palette),
        ),
        s.ChartSpec(
            "prod_low_supply",
            "Products that run out first",
            f"The 10 products with the fewest days of supply among those with at least "
            f"{s.TOP_PRODUCTS_MIN_UNITS} units sold.",
            _low_supply(frames, palette),
        ),
    ]
    return s.Dashboard(
        "products",
        "Product performance",
        "Which products and categories earn, and where stock runs out first.",
        charts,
        print_pages=[
            ["prod_top_margin", "prod_category", "prod_inventory"],
            ["prod_brand", "prod_scatter", "prod_low_supply"],
        ],
    )
