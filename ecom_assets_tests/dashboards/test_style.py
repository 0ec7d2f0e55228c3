"""The designer's rules, read from the specs: one colour per category, segment, channel and churn
level on every chart; margins on zoomed axes with the shop margin as a reference line; sizes
two orders of magnitude apart on log axes."""

from __future__ import annotations

from collections import defaultdict

import pytest

from ecom_assets.defs.dashboards import build, spec


def _nodes(node: object, key: str) -> list[dict]:
    """Every dict in a spec that has ``key``."""
    found: list[dict] = []
    if isinstance(node, dict):
        if key in node:
            found.append(node)
        for value in node.values():
            found += _nodes(value, key)
    elif isinstance(node, list):
        for value in node:
            found += _nodes(value, key)
    return found


@pytest.mark.parametrize("which", ["built", "grown"])
def test_a_value_has_one_colour_on_every_chart(which: str, request: pytest.FixtureRequest) -> None:
    frames = request.getfixturevalue(which).frames
    colours: dict[str, set[str]] = defaultdict(set)
    for dashboard in build.build_dashboards(frames):
        for chart in dashboard.charts:
            for enc in _nodes(chart.spec(), "color"):
                scale = enc["color"].get("scale", {}) if isinstance(enc["color"], dict) else {}
                for value, colour in zip(scale.get("domain", []), scale.get("range", []), strict=False):
                    colours[value].add(colour)
    assert colours, "no colour scale found"
    assert {v: c for v, c in colours.items() if len(c) > 1} == {}
    # the known categories and segments keep their own colours, apart from revenue and profit
    taken = {spec.REVENUE, spec.PROFIT}
    for kind in ("category", "segment"):
        for value, colour in spec.COLORS[kind].items():
            if value in colours:
                assert colours[value] == {colour} and colour not in taken


def test_unknown_values_get_spare_colours_in_a_stable_order() -> None:
    palette = spec.Palette({"category": ["Toys", "Books", "Garden"], "segment": ["Regular", "VIP"]})
    assert palette.domain("category") == ["Books", "Garden", "Toys"]  # known first, then alphabetical
    scale = palette.scale("category").to_dict()
    assert scale["range"] == [spec.COLORS["category"]["Books"], spec.SPARE[0], spec.SPARE[1]]
    assert palette.domain("segment") == ["Regular", "VIP"]


def _marks_of(node: dict, field: str) -> list[str]:
    """The mark types of the (sub)charts that put ``field`` on an axis."""
    out = []
    for chart in _nodes(node, "mark"):
        if "encoding" not in chart:  # the config's mark defaults
            continue
        enc = chart["encoding"]
        if any(isinstance(enc.get(a), dict) and enc[a].get("field") == field for a in ("x", "y")):
            mark = chart["mark"]
            out.append(mark["type"] if isinstance(mark, dict) else mark)
    return out


def test_margin_axes_are_zoomed_dots_with_the_shop_margin_dashed(built) -> None:
    charts = {c.id: c for d in build.build_dashboards(built.frames) for c in d.charts}
    for chart_id in ("prod_top_margin", "prod_category", "prod_brand", "prod_scatter"):
        specs = charts[chart_id].spec()
        margin = [e for e in _nodes(specs, "field") if e.get("field") == "margin_pct" and "scale" in e]
        assert margin and all(e["scale"].get("zero") is False for e in margin), chart_id
        assert set(_marks_of(specs, "margin_pct")) == {"circle"}, chart_id  # a zoomed bar would lie
    for chart_id in ("prod_category", "prod_brand", "prod_scatter"):
        marks = [n["mark"] for n in _nodes(charts[chart_id].spec(), "mark") if isinstance(n["mark"], dict)]
        assert any(m.get("type") == "rule" and m.get("strokeDash") for m in marks), chart_id
        assert "shop 38.1%" in str(charts[chart_id].spec())  # 190.25 / 499.99


def test_sizes_orders_of_magnitude_apart_are_on_log_axes(built) -> None:
    charts = {c.id: c for d in build.build_dashboards(built.frames) for c in d.charts}
    for chart_id, field in (
        ("prod_category", "amount"),
        ("prod_brand", "amount"),
        ("prod_scatter", "units_sold"),
    ):
        axes = [
            e for e in _nodes(charts[chart_id].spec(), "field") if e.get("field") == field and "scale" in e
        ]
        assert axes and axes[0]["scale"]["type"] == "log", chart_id
        assert "log scale" in axes[0]["title"]
    reported = [
        e
        for e in _nodes(charts["cust_campaigns"].spec(), "field")
        if e.get("field") == "attributed_orders" and "scale" in e
    ]
    assert reported[0]["scale"]["type"] == "log"


def test_log_ticks_are_few_and_round() -> None:
    scale, axis = spec.log_scale([120, 95_000, 10_739_486])
    ticks = axis.to_dict()["values"]
    assert 3 <= len(ticks) <= 7 and all(str(int(t)).rstrip("0") in ("1", "3") for t in ticks)
    assert scale.to_dict()["domain"][0] < 120 and scale.to_dict()["domain"][1] > 10_739_486
