"""From the analytics tables to the three dashboards' files.

Each dashboard's folder (``executive/``, ``products/``, ``customers/``) holds its queries
(``*.sql``, one frame each, named by the file) and its chart specs (``charts.py``); the answers
the report shows too (campaign ROI ranking, top products, segment shares) come from the shared
queries of ``defs/analytics/answers``, so the page, the PDF, the report and the ``bi`` views agree.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg
from pypdf import PdfReader

from ecom_assets.defs.analytics import answers
from ecom_assets.defs.dashboards import page, paper
from ecom_assets.defs.dashboards.customers.charts import customers
from ecom_assets.defs.dashboards.executive.charts import executive
from ecom_assets.defs.dashboards.kpis import Kpis
from ecom_assets.defs.dashboards.products.charts import products
from ecom_assets.defs.dashboards.spec import QUERY_PARAMS, Dashboard, Palette
from ecom_assets.lib.sql_files import SqlFiles

HERE = Path(__file__).parent
SQL_DIRS = (HERE / "executive", HERE / "products", HERE / "customers")
ANSWERS = ("segment_shares", "top_margin_products", "campaign_roi_ranking")


def load_frames(conn: psycopg.Connection, sql_dirs: tuple[Path, ...] = SQL_DIRS) -> dict[str, pd.DataFrame]:
    """Every dashboard query (one frame per ``.sql`` file, named by its stem) and the shared answers.

    Numerics arrive as ``Decimal`` and dates as ``date``: money stays exact for the KPI tiles,
    and ``spec.records`` turns them into JSON numbers and ISO dates for the charts.
    """
    frames: dict[str, pd.DataFrame] = {}
    for files in map(SqlFiles, sql_dirs):
        for name in files.names():
            text = files.text(name)
            with conn.cursor() as cur:
                cur.execute(text, QUERY_PARAMS if "%(" in text else None)
                cols = [d.name for d in cur.description]
                frames[name] = pd.DataFrame(cur.fetchall(), columns=cols, dtype=object)
    for name in ANSWERS:
        frames[name] = answers.fetch(conn, name)
    return frames


def palette_for(frames: dict[str, pd.DataFrame]) -> Palette:
    """One colour per category, segment, channel and churn level for every chart of the build."""
    return Palette(
        {
            "category": frames["categories"]["category"],
            "segment": frames["segment_shares"]["customer_segment"],
            "channel": frames["channels"]["channel"],
            "churn": frames["churn"]["churn_risk"],
        }
    )


def build_dashboards(frames: dict[str, pd.DataFrame]) -> list[Dashboard]:
    """The three dashboards, in page order."""
    colors = palette_for(frames)
    return [executive(frames, colors), products(frames, colors), customers(frames, colors)]


@dataclass
class Outputs:
    html_path: Path
    pdf_path: Path
    png_paths: dict[str, Path]
    kpis: Kpis
    charts: int
    pdf_pages: int
    markdown: str


def write_dashboards(
    conn: psycopg.Connection, out_dir: Path, note: str | None = None, cache_dir: Path | None = None
) -> Outputs:
    """Query, chart, and write ``dashboards.html``, ``dashboards.pdf``, the key charts' PNGs and
    the definitions the page links (``METRICS.md``).

    Files are written beside their final name and renamed, so a failure never leaves a
    half-written dashboard where the last good one was. ``cache_dir`` keeps the page's
    JavaScript bundle between processes (``lib.vl_render.javascript_bundle``).
    """
    frames = load_frames(conn)
    kpis = Kpis.from_frame(frames["kpis"])
    dashboards = build_dashboards(frames)
    segments = Palette({"segment": frames["segment_shares"]["customer_segment"]}).domain("segment")
    printed = paper.print_pages(dashboards, kpis)
    # PDF pages render in a child process while this one makes the page, the PNGs and the last page
    job = paper.start_pdf_job(printed)
    html = page.render_html(dashboards, kpis, segments, note, cache_dir)
    key_charts = [(d, c) for d in dashboards for c in d.charts if c.key]
    pngs = [paper.chart_png(c) for _, c in key_charts]
    pdf = paper.finish_pdf(job, printed, kpis)
    out_dir.mkdir(parents=True, exist_ok=True)
    png_dir = out_dir / "dashboard_charts"
    png_dir.mkdir(exist_ok=True)
    images, png_paths = [], {}
    for (d, c), png in zip(key_charts, pngs, strict=True):
        path = png_dir / f"{c.id}.png"
        _atomic_write(path, png)
        png_paths[c.id] = path
        images.append((d.title, c.title, png))
    answers.write_definitions(out_dir)
    html_path, pdf_path = out_dir / "dashboards.html", out_dir / "dashboards.pdf"
    _atomic_write(html_path, html.encode("utf-8"))
    _atomic_write(pdf_path, pdf)
    return Outputs(
        html_path=html_path,
        pdf_path=pdf_path,
        png_paths=png_paths,
        kpis=kpis,
        charts=sum(len(d.charts) for d in dashboards),
        pdf_pages=len(PdfReader(io.BytesIO(pdf)).pages),
        markdown=paper.png_markdown(images),
    )


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
