"""The PDF prints: one paper size for every page (A4 or US Letter, landscape), a title and the
as-of date on each, no on-screen instructions; its pages render in a child process, and a
renderer that fails or cannot start costs time, never the PDF."""

from __future__ import annotations

import io
import logging
import os

import psycopg
import pytest
from pypdf import PdfReader

from ecom_assets.defs.dashboards import build, paper
from ecom_assets.defs.dashboards.kpis import Kpis
from ecom_assets.lib import vl_render
from ecom_assets_tests.dashboards.fixtures import EXPECTED_KPIS

TITLES = [
    "Executive summary",
    "Product performance (1 of 2)",
    "Product performance (2 of 2)",
    "Customer analytics (1 of 2)",
    "Customer analytics (2 of 2)",
]


def page_texts(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_every_page_is_landscape_a4_with_its_title_and_the_as_of_date(built) -> None:
    reader = PdfReader(io.BytesIO(built.outputs.pdf_path.read_bytes()))
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes == {(842, 595)}  # A4 landscape, every page
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == len(TITLES) == built.outputs.pdf_pages
    for number, (text, title) in enumerate(zip(texts, TITLES, strict=True), start=1):
        assert title in text
        assert "As of 31 Mar 2025" in text
        assert f"Page {number} of {len(TITLES)}" in text
        for value in EXPECTED_KPIS.values():
            assert value in text, (title, value)  # the KPI line heads every page
        lowered = text.lower()
        assert not any(word in lowered for word in ("drag", "scroll", "hover", "click")), title
    assert "Headphones" in "".join(texts)  # chart text is text, not pixels


def test_letter_paper_and_a_clear_error_for_anything_else(built, monkeypatch: pytest.MonkeyPatch) -> None:
    kpis = Kpis.from_frame(built.frames["kpis"])
    pages = paper.print_pages(build.build_dashboards(built.frames)[:1], kpis)
    monkeypatch.setenv(paper.ENV_PAGE_SIZE, "Letter")
    pdf = paper.finish_pdf(None, pages, kpis)
    (page,) = PdfReader(io.BytesIO(pdf)).pages
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (792, 612)
    monkeypatch.setenv(paper.ENV_PAGE_SIZE, "A3")
    with pytest.raises(ValueError, match="ECOM_PDF_PAGE_SIZE='a3': expected one of a4, letter"):
        paper.finish_pdf(None, pages, kpis)


def test_pages_fit_the_paper_and_stay_legible(built) -> None:
    """Each page is scaled onto the paper, never more than to 55 % (text stays about 6 pt and up)."""
    kpis = Kpis.from_frame(built.frames["kpis"])
    width, height = paper.paper_size()
    for spec in paper.print_pages(build.build_dashboards(built.frames), kpis):
        (src,) = PdfReader(io.BytesIO(paper.render_page(spec))).pages
        w, h = float(src.mediabox.width), float(src.mediabox.height)
        scale = min((width - 2 * paper.MARGIN) / w, (height - 2 * paper.MARGIN) / h)
        assert scale >= 0.55, (spec["title"], w, h)


def test_pages_render_in_a_child_process_in_page_order(
    analytics_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    children: list[tuple[int, int]] = []

    class Spy(vl_render.PdfJob):
        def __init__(self, specs: list[dict], vl_version: str) -> None:
            super().__init__(specs, vl_version)
            children.append((self._proc.pid, len(specs)))

    monkeypatch.setattr(paper.vl_render, "PdfJob", Spy)
    with psycopg.connect(analytics_url) as conn:
        out = build.write_dashboards(conn, tmp_path)
    # one child, for every page but the last (rendered here after the PNGs)
    assert len(children) == 1 and children[0][0] != os.getpid() and children[0][1] == len(TITLES) - 1
    texts = page_texts(out.pdf_path.read_bytes())
    for text, title in zip(texts, TITLES, strict=True):
        assert title in text and all(t not in text for t in TITLES if t != title)


def test_a_failing_renderer_says_why(tmp_path) -> None:
    job = vl_render.PdfJob([{"mark": {"type": "no-such-mark"}, "data": {"values": []}}], "6.4")
    with pytest.raises(
        RuntimeError, match=r"PDF renderer exited with 1: (?s:.*)Vega-Lite to PDF conversion failed"
    ):
        job.result()
    assert not job.dir.exists()  # its files are cleaned up either way


def test_a_failed_renderer_falls_back_to_rendering_here(built, caplog: pytest.LogCaptureFixture) -> None:
    kpis = Kpis.from_frame(built.frames["kpis"])
    pages = paper.print_pages(build.build_dashboards(built.frames), kpis)
    broken = vl_render.PdfJob([{"mark": {"type": "no-such-mark"}}], "6.4")
    with caplog.at_level(logging.WARNING, logger=paper.__name__):
        pdf = paper.finish_pdf(broken, pages, kpis)
    assert [title in text for title, text in zip(TITLES, page_texts(pdf), strict=True)] == [True] * len(
        TITLES
    )
    assert "PDF renderer failed" in caplog.text and "conversion failed" in caplog.text


def test_a_renderer_that_cannot_start_is_not_needed(built, monkeypatch: pytest.MonkeyPatch) -> None:
    kpis = Kpis.from_frame(built.frames["kpis"])
    pages = paper.print_pages(build.build_dashboards(built.frames), kpis)
    monkeypatch.setattr(vl_render.sys, "executable", "/nonexistent/python")
    assert paper.start_pdf_job(pages) is None
    assert len(page_texts(paper.finish_pdf(None, pages, kpis))) == len(TITLES)


def test_rebuild_says_the_same_words(built, analytics_url: str, tmp_path) -> None:
    with psycopg.connect(analytics_url) as conn:
        again = build.write_dashboards(conn, tmp_path)
    assert page_texts(again.pdf_path.read_bytes()) == page_texts(built.outputs.pdf_path.read_bytes())
