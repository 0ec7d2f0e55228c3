"""The built page in a real headless Chromium, opened from file:// with the network cut off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ecom_assets.defs.dashboards import build, spec
from ecom_assets_tests.dashboards.browser import Browser, chromium_or_skip
from ecom_assets_tests.dashboards.fixtures import EXPECTED_KPIS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DASHBOARDS = ("executive", "products", "customers")


@pytest.fixture(scope="module")
def page(built) -> Iterator[Browser]:
    browser = Browser(chromium_or_skip())
    try:
        browser.goto(built.outputs.html_path.as_uri(), "window.dashboardsReady === true")
        yield browser
    finally:
        browser.close()


def test_no_console_errors_and_no_network(page: Browser) -> None:
    page.evaluate("1")  # drain events that arrived after the page said it was ready
    assert page.console_errors() == []
    requested = page.requested_urls()
    assert requested, "the page load itself should be seen"
    assert [u for u in requested if not u.startswith(("file:", "data:", "blob:", "about:"))] == []


def test_every_chart_renders_a_non_empty_svg(page: Browser, built) -> None:
    charts = page.evaluate(
        """Array.from(document.querySelectorAll('.chart')).map(el => {
            const svg = el.querySelector('svg');
            const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
            return {id: el.id, rendered: el.dataset.rendered === '1', width: svg ? +svg.getAttribute('width') : 0,
                    height: svg ? +svg.getAttribute('height') : 0,
                    marks: el.querySelectorAll('g.mark-rect path, g.mark-line path, g.mark-symbol path, g.mark-area path').length};
        })"""
    )
    assert len(charts) == built.outputs.charts == 15
    for chart in charts:
        assert chart["rendered"], chart
        assert chart["width"] > 100 and chart["height"] > 50, chart
        assert chart["marks"] > 0, chart


def test_kpi_tiles_equal_the_analytics_tables(page: Browser, analytics_url: str) -> None:
    shown = page.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('[data-kpi]'))"
        ".map(el => [el.dataset.kpi, el.querySelector('.value').textContent]))"
    )
    assert shown == EXPECTED_KPIS
    # The same figures straight from the tables, independently of the dashboard's own query.
    with psycopg.connect(analytics_url) as conn:
        revenue, profit, orders = conn.execute(
            "SELECT sum(net_revenue), sum(gross_profit), sum(orders) FROM analytics.daily_sales"
        ).fetchone()
        (buyers,) = conn.execute(
            "SELECT count(*) FROM analytics.customer_metrics WHERE total_orders > 0"
        ).fetchone()
        (as_of,) = conn.execute("SELECT as_of FROM ops.run_context").fetchone()
    assert shown["net_revenue"] == f"${revenue:,.2f}"
    assert shown["gross_profit"] == f"${profit:,.2f}"
    assert shown["orders"] == f"{orders:,}"
    assert shown["buyers"] == f"{buyers:,}"
    assert shown["as_of"] == f"{as_of.day} {as_of:%b %Y}"


def test_segment_filter_narrows_the_acquisition_charts(page: Browser) -> None:
    count_bars = "document.querySelectorAll('#cust_buckets g.mark-rect path').length"
    page.evaluate("showDashboard('customers')")
    assert page.evaluate(count_bars) == 4  # Same day, Within week, After month, No purchase
    page.evaluate(
        """(async () => {
            const sel = document.querySelector('select[data-segment-filter]');
            sel.value = 'Premium';
            sel.dispatchEvent(new Event('change'));
            await new Promise(r => setTimeout(r, 300));
        })()"""
    )
    assert page.evaluate(count_bars) == 1  # C1 only: Within week
    page.evaluate(
        """(async () => {
            const sel = document.querySelector('select[data-segment-filter]');
            sel.value = 'All';
            sel.dispatchEvent(new Event('change'));
            await new Promise(r => setTimeout(r, 300));
        })()"""
    )
    assert page.evaluate(count_bars) == 4
    assert page.console_errors() == []


def test_screenshot_of_each_dashboard(page: Browser, artifacts_dir: Path) -> None:
    for dashboard in DASHBOARDS:
        page.evaluate(f"showDashboard('{dashboard}')")
        assert page.evaluate(f"document.getElementById('{dashboard}').offsetHeight") > 400
        path = artifacts_dir / f"dashboard_{dashboard}.png"
        page.screenshot(path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000


def test_the_header_and_tabs_stay_reachable(built) -> None:
    """Opened at ``#customers`` and scrolled to the bottom, the tabs are still on screen."""
    browser = Browser(chromium_or_skip())
    try:
        browser.goto(built.outputs.html_path.as_uri() + "#customers", "window.dashboardsReady === true")
        tabs = "document.querySelector('nav').getBoundingClientRect().top"
        assert browser.evaluate("document.querySelector('section.dashboard.active').id") == "customers"
        assert 0 <= browser.evaluate(tabs) < 120
        browser.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        assert browser.evaluate("window.scrollY") > 200  # the page did scroll...
        assert 0 <= browser.evaluate(tabs) < 120  # ...and the tabs did not leave the window
        browser.evaluate("document.querySelector('nav button[data-target=\"products\"]').click()")
        assert browser.evaluate("window.scrollY") == 0 and browser.evaluate("location.hash") == "#products"
    finally:
        browser.close()


def test_dragging_on_the_daily_strip_narrows_the_trend(page: Browser) -> None:
    """A real mouse drag (CDP input events) over the overview sets the trend's date range.

    The fixture's days run 2025-01-15 .. 2025-03-05; a brush over 5-35 % of the strip covers
    about Jan 17 .. Feb 1, so the trend's month axis loses "Jan 2025" and "Mar 2025".
    """
    page.evaluate("showDashboard('executive'); window.scrollTo(0, 0)")
    labels = (
        "Array.from(document.querySelectorAll('#exec_trend .role-axis-label text')).map(t => t.textContent)"
    )
    before = page.evaluate(labels)
    assert before.count("Mar 2025") == 2 and "Jan 2025" in before  # trend axis + daily strip axis
    left, top, width, height = page.evaluate(
        "(() => { const r = document.querySelector('#exec_trend g.mark-area path').getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; })()"
    )
    x0, x1, y = left + 0.05 * width, left + 0.35 * width, top + height / 2
    page.send("Input.dispatchMouseEvent", type="mousePressed", x=x0, y=y, button="left", clickCount=1)
    for step in range(1, 11):
        page.send(
            "Input.dispatchMouseEvent", type="mouseMoved", x=x0 + (x1 - x0) * step / 10, y=y, button="left"
        )
    page.send("Input.dispatchMouseEvent", type="mouseReleased", x=x1, y=y, button="left", clickCount=1)
    page.evaluate("new Promise(r => setTimeout(r, 300))")
    after = page.evaluate(labels)
    assert after.count("Mar 2025") == 1  # only the daily strip's own axis still shows March
    assert "Jan 2025" not in after and "Feb 2025" in after
    assert page.console_errors() == []


def test_the_page_past_every_bound_renders_in_the_browser(grown, tmp_path: Path) -> None:
    """The grown layer: a weekly strip, 100-day histogram bins, a cut scatter and campaign list."""
    with psycopg.connect(grown.url) as conn:
        out = build.write_dashboards(conn, tmp_path)
    browser = Browser(chromium_or_skip())
    try:
        browser.goto(out.html_path.as_uri(), "window.dashboardsReady === true")
        browser.evaluate("1")
        assert browser.console_errors() == []
        rendered = browser.evaluate(
            "Array.from(document.querySelectorAll('.chart')).filter(el => el.dataset.rendered === '1').length"
        )
        symbols = browser.evaluate(
            "document.querySelectorAll('#prod_scatter g.mark-symbol.role-mark path').length"
        )
        bars = browser.evaluate(
            "document.querySelectorAll('#cust_days_to_first g.mark-rect.role-mark path').length"
        )
        strip_title = browser.evaluate(
            "Array.from(document.querySelectorAll('#exec_trend .role-axis-title text')).map(t => t.textContent)"
        )
    finally:
        browser.close()
    assert rendered == out.charts == 15
    assert symbols == spec.SCATTER_POINTS
    assert bars == grown.frames["days_to_first"]["days_from"].nunique()  # one bar per SQL bin
    assert "Weekly" in strip_title
