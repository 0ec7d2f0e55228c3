"""The PDF pages render in a child process (vl-convert holds the GIL on one worker), in page
order, and a renderer that fails or cannot start costs time, never the PDF."""

from __future__ import annotations

import io
import logging
import os

import psycopg
import pytest
from pypdf import PdfReader

from ecom_assets.defs.dashboards.assets import SQL_DIR
from ecom_assets.lib import charts, vl_render

TITLES = ["Executive summary", "Product performance", "Customer analytics"]


def page_texts(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_pages_render_in_a_child_process_in_dashboard_order(
    analytics_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    children: list[tuple[int, int]] = []

    class Spy(vl_render.PdfJob):
        def __init__(self, specs: list[dict], vl_version: str) -> None:
            super().__init__(specs, vl_version)
            children.append((self._proc.pid, len(specs)))

    monkeypatch.setattr(charts.vl_render, "PdfJob", Spy)
    with psycopg.connect(analytics_url) as conn:
        out = charts.write_dashboards(conn, SQL_DIR, tmp_path)
    # one child, for every page but the last (rendered here after the PNGs)
    assert len(children) == 1 and children[0][0] != os.getpid() and children[0][1] == len(TITLES) - 1
    texts = page_texts(out.pdf_path.read_bytes())
    assert len(texts) == len(TITLES)
    for text, title in zip(texts, TITLES, strict=True):
        assert title in text and all(t not in text for t in TITLES if t != title)


def test_a_failing_renderer_says_why(tmp_path) -> None:
    job = vl_render.PdfJob(
        [{"mark": {"type": "no-such-mark"}, "data": {"values": []}}], charts.VEGA_LITE_VERSION
    )
    with pytest.raises(
        RuntimeError, match=r"PDF renderer exited with 1: (?s:.*)Vega-Lite to PDF conversion failed"
    ):
        job.result()
    assert not job.dir.exists()  # its files are cleaned up either way


def test_a_failed_renderer_falls_back_to_rendering_here(built, caplog: pytest.LogCaptureFixture) -> None:
    kpis = charts.Kpis.from_frame(built.frames["kpis"])
    dashboards = charts.build_dashboards(built.frames)
    broken = vl_render.PdfJob([{"mark": {"type": "no-such-mark"}}], charts.VEGA_LITE_VERSION)
    with caplog.at_level(logging.WARNING, logger=charts.__name__):
        pdf = charts.finish_pdf(broken, dashboards, kpis)
    assert [title in text for title, text in zip(TITLES, page_texts(pdf), strict=True)] == [True] * 3
    assert "PDF renderer failed" in caplog.text and "conversion failed" in caplog.text


def test_a_renderer_that_cannot_start_is_not_needed(built, monkeypatch: pytest.MonkeyPatch) -> None:
    kpis = charts.Kpis.from_frame(built.frames["kpis"])
    dashboards = charts.build_dashboards(built.frames)
    monkeypatch.setattr(vl_render.sys, "executable", "/nonexistent/python")
    assert charts.start_pdf_job(dashboards, kpis) is None
    assert len(page_texts(charts.finish_pdf(None, dashboards, kpis))) == len(TITLES)
