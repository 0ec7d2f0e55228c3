"""The dashboards on paper (one PDF) and as images (PNGs for the Dagster UI).

Every printed page is the same paper size, landscape: A4 by default, US Letter with
``ECOM_PDF_PAGE_SIZE=letter``. A dashboard takes one or more pages (``Dashboard.print_pages``);
each page carries the dashboard's title, the as-of date, the KPI line, the page number and
where the definitions are at the top (a Vega title; a footer would nest the page one level
deeper than vl-convert's SVG-to-PDF step accepts), and shows the charts' captions but
never the on-screen hints ("drag", "scroll"). vl-convert renders each page at its natural size;
pypdf scales it onto the paper (fonts stay text) and centres it.

vl-convert 1.9 holds the GIL while it renders, on a single worker, so threads do not overlap
renders; a child process does (``lib.vl_render.PdfJob``): it renders every page but the last
while this process makes the HTML, the PNGs and the last page.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import subprocess

import vl_convert as vlc
from pypdf import PageObject, PdfReader, PdfWriter, Transformation

from ecom_assets.defs.dashboards.kpis import Kpis
from ecom_assets.defs.dashboards.spec import CONFIG, VEGA_LITE_VERSION, ChartSpec, Dashboard, wrap
from ecom_assets.lib import formats as fmt
from ecom_assets.lib import vl_render

log = logging.getLogger(__name__)

ENV_PAGE_SIZE = "ECOM_PDF_PAGE_SIZE"
PAPER = {"a4": (841.89, 595.28), "letter": (792.0, 612.0)}  # landscape, in points
MARGIN = 24.0
FOOTER = "Recognized orders only; money in US dollars, net of discounts, before tax and shipping."
SCHEMA = f"https://vega.github.io/schema/vega-lite/v{VEGA_LITE_VERSION.split('.')[0]}.json"


def paper_size_name() -> str:
    """``a4`` (the default) or ``letter``, from ``ECOM_PDF_PAGE_SIZE`` (any case)."""
    name = (os.environ.get(ENV_PAGE_SIZE) or "a4").strip().lower()
    if name not in PAPER:
        raise ValueError(f"{ENV_PAGE_SIZE}={name!r}: expected one of {', '.join(sorted(PAPER))} (landscape)")
    return name


def paper_size() -> tuple[float, float]:
    """(width, height) in points of the landscape paper ``ECOM_PDF_PAGE_SIZE`` names."""
    return PAPER[paper_size_name()]


def _child(chart: ChartSpec, hoisted: list[dict[str, object]]) -> dict[str, object]:
    """A chart as one part of a page: its spec with its title and caption, without the
    top-level keys (``$schema``, ``config``) a part may not carry. Variables (the segment
    filter) and the parameters Altair lifted to a composed chart's top (they name their views)
    go to the page's top, the only place Vega-Lite takes them."""
    spec = {k: v for k, v in chart.titled_spec().items() if k not in ("$schema", "config")}
    spec["title"] = {"text": chart.title, "subtitle": wrap(chart.caption)}
    keep = []
    for param in spec.pop("params", []):  # type: ignore[attr-defined]
        # variables (the segment filter) and selections Altair bound to views belong at the top
        top = "mark" not in spec or "select" not in param or "views" in param
        (hoisted if top else keep).append(param)
    if keep:
        spec["params"] = keep
    return spec


def _rows(charts: list[ChartSpec], hoisted: list[dict[str, object]]) -> list[dict[str, object]]:
    """Charts two to a row, a wide one alone; colour scales stay each chart's own.

    The page is put together as JSON from the charts' specs, not with Altair's concat, which
    deep-copies every chart's data to merge their parameters (1.8 s of the 5 pages, measured).
    A row of one chart is the chart itself: every concat level counts against vl-convert's
    SVG nesting limit, which the four-panel campaign chart reaches otherwise."""
    rows: list[list[ChartSpec]] = []
    for chart in charts:
        if chart.wide or not rows or rows[-1][0].wide or len(rows[-1]) == 2:
            rows.append([chart])
        else:
            rows[-1].append(chart)
    independent = {"scale": {"color": "independent"}}
    return [
        _child(row[0], hoisted)
        if len(row) == 1
        else {"hconcat": [_child(c, hoisted) for c in row], "spacing": 36, "resolve": independent}
        for row in rows
    ]


def print_pages(dashboards: list[Dashboard], kpis: Kpis) -> list[dict[str, object]]:
    """Every printed page's Vega-Lite spec, in page order."""
    plan = [(d, ids) for d in dashboards for ids in (d.print_pages or [[c.id for c in d.charts]])]
    pages = []
    for number, (d, ids) in enumerate(plan, start=1):
        parts = [n for n, (other, _) in enumerate(plan, start=1) if other is d]
        hoisted: list[dict[str, object]] = []
        rows = _rows([d.chart(i) for i in ids], hoisted)
        title = d.title + (f" ({parts.index(number) + 1} of {len(parts)})" if len(parts) > 1 else "")
        pages.append(
            {
                "$schema": SCHEMA,
                "title": {
                    "text": title,
                    "subtitle": [
                        f"As of {fmt.day(kpis.as_of)}  ·  {kpis.line()}",
                        f"{d.summary} {FOOTER} Definitions: METRICS.md.  Page {number} of {len(plan)}.",
                    ],
                    "fontSize": 22,
                    "subtitleFontSize": 13,
                    "offset": 14,
                },
                "padding": 20,
                "vconcat": rows,
                "spacing": 30,
                **({"params": hoisted} if hoisted else {}),
                "resolve": {"scale": {"color": "independent"}},
                "config": CONFIG,
            }
        )
    return pages


def render_page(spec: dict[str, object]) -> bytes:
    return vlc.vegalite_to_pdf(spec, vl_version=VEGA_LITE_VERSION)


def on_paper(pages: list[bytes], size: tuple[float, float], title: str, subject: str) -> bytes:
    """The pages, each scaled to fit the paper inside the margins and centred, as one PDF."""
    width, height = size
    writer = PdfWriter()
    for pdf in pages:
        for src in PdfReader(io.BytesIO(pdf)).pages:
            w, h = float(src.mediabox.width), float(src.mediabox.height)
            scale = min((width - 2 * MARGIN) / w, (height - 2 * MARGIN) / h, 1.0)
            dx = (width - w * scale) / 2 - float(src.mediabox.left) * scale
            dy = height - MARGIN - h * scale - float(src.mediabox.bottom) * scale
            page = PageObject.create_blank_page(width=width, height=height)
            page.merge_transformed_page(src, Transformation().scale(scale).translate(dx, dy))
            writer.add_page(page)
    writer.add_metadata({"/Title": title, "/Subject": subject})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def start_pdf_job(pages: list[dict[str, object]]) -> vl_render.PdfJob | None:
    """Start rendering every page but the last in a child process (None: it could not start);
    :func:`finish_pdf` renders the last one here, after the PNGs, so both sides take about as long."""
    if len(pages) < 2:
        return None
    try:
        return vl_render.PdfJob(pages[:-1], VEGA_LITE_VERSION)
    except OSError as exc:
        log.warning("dashboards: PDF renderer did not start (%s); rendering the pages here", exc)
        return None


def finish_pdf(job: vl_render.PdfJob | None, pages: list[dict[str, object]], kpis: Kpis) -> bytes:
    """The whole PDF: the pages ``job`` rendered and the last one rendered here; if the job did
    not start or failed (the reason is logged), every page rendered here."""
    size = paper_size()  # a bad value fails before any rendering
    rendered: list[bytes] = []
    if job is not None:
        last = render_page(pages[-1])
        try:
            rendered = [*job.result(), last]
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            log.warning("dashboards: PDF renderer failed (%s); rendering the pages here", exc)
            rendered = [*(render_page(p) for p in pages[:-1]), last]
    else:
        rendered = [render_page(p) for p in pages]
    return on_paper(rendered, size, "E-commerce dashboards", f"As of {fmt.day(kpis.as_of)}: {kpis.line()}")


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
