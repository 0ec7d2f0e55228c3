"""The dashboard builder on the hand-made analytics layer: numbers, page and PDF (no browser)."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from ecom_assets.lib import charts, settings
from ecom_assets_tests.dashboards.fixtures import (
    EXPECTED_CATEGORY_DAYS_OF_SUPPLY,
    EXPECTED_CHANNEL_ROI,
    EXPECTED_KPIS,
    EXPECTED_TOP_PRODUCTS,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("2.345"), "$2.35"),  # half-up, not banker's rounding
        (Decimal("2.325"), "$2.33"),
        (Decimal("1234567.8"), "$1,234,567.80"),
        (Decimal("-40.005"), "-$40.01"),
        (None, "n/a"),
    ],
)
def test_format_money(value: Decimal | None, text: str) -> None:
    assert charts.format_money(value) == text


def test_kpis_are_the_hand_worked_values(built) -> None:
    kpis = built.outputs.kpis
    assert {key: text for key, _, text in kpis.tiles()} == EXPECTED_KPIS
    assert kpis.net_revenue == Decimal("499.99")
    assert kpis.avg_order_value == Decimal("83.33")
    assert kpis.registered_customers == 4
    assert kpis.as_of == dt.date(2025, 3, 31)


def test_top_products_need_five_units_and_rank_by_margin(built) -> None:
    top = built.frames["top_products"]
    assert list(top["product_id"]) == EXPECTED_TOP_PRODUCTS  # P3 has 70 % but sold 4 units
    assert [Decimal(m) for m in top["margin_pct"]] == [Decimal("40.00"), Decimal("30.00"), Decimal("10.00")]


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


def test_html_is_self_contained(built) -> None:
    page = built.outputs.html_path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page.lower()
    assert "vegaEmbed" in page and "@import" not in page
    for title in ("Executive summary", "Product performance", "Customer analytics"):
        assert title in page
    for text in EXPECTED_KPIS.values():
        assert f'<div class="value">{text}</div>' in page
    # Every chart has a container and a caption; 16 charts over the three dashboards.
    assert built.outputs.charts == 16
    assert page.count('class="chart"') == 16 and page.count('class="caption"') == 16


def test_pdf_has_a_page_per_dashboard_with_the_kpis(built) -> None:
    reader = PdfReader(io.BytesIO(built.outputs.pdf_path.read_bytes()))
    assert len(reader.pages) >= 3
    texts = [page.extract_text() for page in reader.pages]
    for title in ("Executive summary", "Product performance", "Customer analytics"):
        assert any(title in t for t in texts), title
    for value in EXPECTED_KPIS.values():
        assert all(value in t for t in texts), value  # every page header carries the KPI line
    assert "P1 · Headphones" in "".join(texts)  # chart text is text, not pixels


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
    """No clock in the output: the page is byte-identical, the PDF says the same words.

    (The PDF's bytes are not stable: vl-convert orders its resource dictionaries differently
    from run to run.)
    """
    import psycopg

    from ecom_assets.defs.dashboards.assets import SQL_DIR

    with psycopg.connect(analytics_url) as conn:
        again = charts.write_dashboards(conn, SQL_DIR, tmp_path)
    assert again.html_path.read_bytes() == built.outputs.html_path.read_bytes()
    assert again.png_paths["cust_ltv"].read_bytes() == built.outputs.png_paths["cust_ltv"].read_bytes()

    def texts(path):
        return [p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages]

    assert texts(again.pdf_path) == texts(built.outputs.pdf_path)


def test_empty_analytics_tables_still_give_both_files(fresh_db_url: str, tmp_path) -> None:
    """Before the first order: zeros and n/a in the tiles, empty charts, no crash."""
    import psycopg

    from ecom_assets.defs.dashboards.assets import SQL_DIR
    from ecom_assets_tests.dashboards.fixtures import create_analytics_fixture

    create_analytics_fixture(fresh_db_url, empty=True)
    with psycopg.connect(fresh_db_url) as conn:
        out = charts.write_dashboards(conn, SQL_DIR, tmp_path)
    tiles = {key: text for key, _, text in out.kpis.tiles()}
    assert tiles == {
        "net_revenue": "$0.00",
        "gross_profit": "$0.00",
        "orders": "0",
        "customers": "0",
        "avg_order_value": "n/a",
        "as_of": "2025-03-31",
    }
    assert out.pdf_pages == 3 and out.html_path.stat().st_size > 500_000


def test_javascript_bundle_is_kept_on_disk(tmp_path) -> None:
    """Bundling takes seconds; a cache file saves it in the next process, a torn one is rebuilt."""
    fresh = charts.javascript_bundle()  # no cache_dir: bundled in this process
    ours = tmp_path / "ours"
    ours.mkdir()
    name = f"vega-bundle-vlconvert{importlib.metadata.version('vl-convert-python')}-vl{charts.VEGA_LITE_VERSION}.js"
    (ours / name).write_text("window.fromTheCache = 1;" + charts.BUNDLE_END, encoding="utf-8")
    assert charts.javascript_bundle(ours) == "window.fromTheCache = 1;"  # read, not bundled

    torn = tmp_path / "torn"
    torn.mkdir()
    (torn / name).write_text(fresh[:1000], encoding="utf-8")  # a write cut short
    assert charts.javascript_bundle(torn) == fresh
    assert (torn / name).read_text(encoding="utf-8") == fresh + charts.BUNDLE_END
    assert [p.name for p in torn.iterdir()] == [name]  # no temporary file left behind

    # a cache that cannot be written (here: a file where the folder should be) costs a rebuild,
    # never the dashboards
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    assert charts.javascript_bundle(blocked / "ecom") == fresh


def test_bundle_cache_is_per_user_not_per_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ECOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert settings.cache_dir() == tmp_path / "xdg" / "ecom"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert settings.cache_dir() == Path.home() / ".cache" / "ecom"
