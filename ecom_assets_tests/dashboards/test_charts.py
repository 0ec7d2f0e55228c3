"""The dashboard builder on the hand-made analytics layer: numbers, page and PNGs (no browser)."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import re
from decimal import Decimal
from pathlib import Path

from ecom_assets.defs.dashboards import build
from ecom_assets.lib import settings, vl_render
from ecom_assets_tests.dashboards.fixtures import (
    EXPECTED_CATEGORY_DAYS_OF_SUPPLY,
    EXPECTED_CHANNEL_ROI,
    EXPECTED_KPIS,
    EXPECTED_ROI_RANKING,
    EXPECTED_TOP_PRODUCTS,
)
from ecom_assets_tests.links import html_links, unresolved

CHARTS = 15


def test_kpis_are_the_hand_worked_values(built) -> None:
    kpis = built.outputs.kpis
    assert {key: headline for key, _, headline, _ in kpis.tiles()} == EXPECTED_KPIS
    details = {key: detail for key, _, _, detail in kpis.tiles()}
    assert details["buyers"] == "of 4 customers"  # the tile says what it counts
    assert kpis.net_revenue == Decimal("499.99")
    assert kpis.avg_order_value == Decimal("83.33")
    assert kpis.registered_customers == 4
    assert kpis.as_of == dt.date(2025, 3, 31)


def test_top_products_need_five_units_and_rank_by_margin(built) -> None:
    top = built.frames["top_margin_products"]
    assert list(top["product_id"]) == EXPECTED_TOP_PRODUCTS  # P3 has 70 % but sold 4 units
    assert [Decimal(m) for m in top["margin_pct"]] == [Decimal("40.00"), Decimal("30.00"), Decimal("10.00")]
    assert list(top["margin_rank"]) == [1, 2, 3]


def test_campaigns_are_the_roi_ranking_by_name(built) -> None:
    ranking = built.frames["campaign_roi_ranking"]
    assert list(ranking["campaign_id"]) == EXPECTED_ROI_RANKING
    chart = next(
        c for d in build.build_dashboards(built.frames) for c in d.charts if c.id == "cust_campaigns"
    )
    spec = str(chart.spec())
    assert "Spring Sale 2025 - Email" in spec and "'label': 'CMP1'" not in spec  # names, ids on hover
    assert "'field': 'campaign_id'" in spec  # the id is in the tooltip


def test_category_days_of_supply_over_the_loaded_period(built) -> None:
    cats = built.frames["categories"]
    got = {c: Decimal(d) for c, d in zip(cats["category"], cats["days_of_supply"], strict=True)}
    assert got == EXPECTED_CATEGORY_DAYS_OF_SUPPLY


def test_channel_roi_is_over_summed_budgets(built) -> None:
    ch = built.frames["channels"]
    assert {c: Decimal(r) for c, r in zip(ch["channel"], ch["roi_pct"], strict=True)} == EXPECTED_CHANNEL_ROI
    assert list(ch["channel"]) == ["Email", "Social", "Search"]  # best ROI first


def test_churn_levels_in_order_with_zeros(built) -> None:
    churn = built.frames["churn"]
    assert list(churn["churn_risk"]) == ["Low", "Medium", "High", "No purchase"]
    assert [int(n) for n in churn["customers"]] == [3, 0, 0, 1]


def test_acquisition_months_have_zeros_instead_of_gaps(built) -> None:
    acq = built.frames["acquisition_monthly"]
    totals = acq.groupby("measure")["customers"].sum()
    assert int(totals["Registrations"]) == 4
    assert int(totals["First purchases"]) == 3
    # C3 registered in December 2024; nobody bought a first time then: a 0 row, not a missing one.
    dec = acq[(acq["month"] == dt.date(2024, 12, 1)) & (acq["measure"] == "First purchases")]
    assert not dec.empty and int(dec["customers"].sum()) == 0
    assert sorted(set(acq["month"])) == [dt.date(2024, 12, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1)]


def test_products_that_run_out_first_sold_and_are_sorted_by_days_of_supply(built) -> None:
    low = built.frames["low_supply"]
    assert list(low["product_id"]) == ["P2", "P1", "P4"]  # 30.40, 126.67, 380.00 days; P3 sold 4
    assert list(low["days_of_supply"]) == sorted(low["days_of_supply"])


def test_html_is_self_contained_and_its_links_resolve(built) -> None:
    page = built.outputs.html_path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page.lower()
    assert "vegaEmbed" in page and "@import" not in page
    for title in ("Executive summary", "Product performance", "Customer analytics"):
        assert title in page
    for text in EXPECTED_KPIS.values():
        assert f'<div class="value">{text}</div>' in page
    assert built.outputs.charts == CHARTS
    assert page.count('class="chart"') == CHARTS and page.count('class="caption"') == CHARTS
    # the definitions the footer links sit beside the page
    assert 'href="METRICS.md"' in page
    assert unresolved(built.outputs.html_path.parent, html_links(page)) == []
    assert (
        (built.outputs.html_path.parent / "METRICS.md")
        .read_text(encoding="utf-8")
        .startswith("# Metric definitions")
    )


def test_on_screen_hints_stay_on_screen(built) -> None:
    """Interaction hints are on the page, apart from the captions the PDF and PNGs carry."""
    dashboards = build.build_dashboards(built.frames)
    captions = " ".join(c.caption + " " + c.title for d in dashboards for c in d.charts).lower()
    for word in ("drag", "scroll", "hover", "click"):
        assert word not in captions, word
    hints = {c.id: c.hint for d in dashboards for c in d.charts if c.hint}
    assert set(hints) == {"exec_trend", "prod_scatter"}
    page = built.outputs.html_path.read_text(encoding="utf-8")
    assert all(f'<p class="hint">{h}</p>' in page for h in hints.values())


def test_key_charts_as_png(built) -> None:
    paths = built.outputs.png_paths
    assert set(paths) == {
        "exec_trend",
        "exec_segments",
        "prod_top_margin",
        "prod_category",
        "cust_ltv",
        "cust_channels",
    }
    for path in paths.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = built.outputs.markdown
    assert md.count("](data:image/png;base64,") == len(paths)
    assert (
        md.index("### Executive summary")
        < md.index("### Product performance")
        < md.index("### Customer analytics")
    )


def test_rebuild_from_the_same_tables_is_the_same(built, analytics_url: str, tmp_path) -> None:
    """No clock in the output: the page and the PNGs are byte-identical.

    (The PDF's bytes are not stable: vl-convert orders its resource dictionaries differently
    from run to run; test_paper compares its words.)
    """
    import psycopg

    with psycopg.connect(analytics_url) as conn:
        again = build.write_dashboards(conn, tmp_path)
    assert again.html_path.read_bytes() == built.outputs.html_path.read_bytes()
    assert again.png_paths["cust_ltv"].read_bytes() == built.outputs.png_paths["cust_ltv"].read_bytes()


def test_empty_analytics_tables_still_give_both_files(fresh_db_url: str, tmp_path) -> None:
    """Before the first order: zeros and n/a in the tiles, empty charts, no crash."""
    import psycopg

    from ecom_assets_tests.dashboards.fixtures import create_analytics_fixture

    create_analytics_fixture(fresh_db_url, empty=True)
    with psycopg.connect(fresh_db_url) as conn:
        out = build.write_dashboards(conn, tmp_path)
    tiles = {key: headline for key, _, headline, _ in out.kpis.tiles()}
    assert tiles == {
        "net_revenue": "$0.00",
        "gross_profit": "$0.00",
        "orders": "0",
        "buyers": "0",
        "avg_order_value": "n/a",
        "as_of": "31 Mar 2025",
    }
    assert out.pdf_pages == 5 and out.html_path.stat().st_size > 500_000


def test_javascript_bundle_is_kept_on_disk(tmp_path) -> None:
    """Bundling takes seconds; a cache file saves it in the next process, a torn one is rebuilt."""
    version = "6.4"
    fresh = vl_render.javascript_bundle(version)  # no cache_dir: bundled in this process
    ours = tmp_path / "ours"
    ours.mkdir()
    name = f"vega-bundle-vlconvert{importlib.metadata.version('vl-convert-python')}-vl{version}.js"
    (ours / name).write_text("window.fromTheCache = 1;" + vl_render.BUNDLE_END, encoding="utf-8")
    assert vl_render.javascript_bundle(version, ours) == "window.fromTheCache = 1;"  # read, not bundled

    torn = tmp_path / "torn"
    torn.mkdir()
    (torn / name).write_text(fresh[:1000], encoding="utf-8")  # a write cut short
    assert vl_render.javascript_bundle(version, torn) == fresh
    assert (torn / name).read_text(encoding="utf-8") == fresh + vl_render.BUNDLE_END
    assert [p.name for p in torn.iterdir()] == [name]  # no temporary file left behind

    # a cache that cannot be written (here: a file where the folder should be) costs a rebuild,
    # never the dashboards
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    assert vl_render.javascript_bundle(version, blocked / "ecom") == fresh


def test_bundle_cache_is_per_user_not_per_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ECOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert settings.cache_dir() == tmp_path / "xdg" / "ecom"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert settings.cache_dir() == Path.home() / ".cache" / "ecom"
