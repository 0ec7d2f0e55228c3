"""The business questions' answers as queries: one definition for the report, the dashboards
and BI tools.

Three answers are read in more than one place: the campaign ROI ranking (question 4), the top
products by margin (question 1) and the segments' shares (question 2). Each is one ``.sql``
file here; the report and the dashboards run it (:func:`fetch`) and take the rows they show,
and ``bi_access`` publishes it as a view in schema ``bi`` (``bi.answer_views``), so the
three can never disagree. The rankings are complete (a rank column, no LIMIT): a reader takes
the top N.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg

from ecom_assets.lib.sql_files import SqlFiles

SQL_DIR = Path(__file__).parent
BI_SCHEMA = "bi"
METRICS_FILE = "METRICS.md"
# The metric definitions every output links to: a copy of docs/METRICS.md shipped with the
# package (a test holds the two equal), written beside the outputs so their links work wherever
# the output folder is opened or copied.
METRICS_SOURCE = SQL_DIR.parent / METRICS_FILE


@dataclass(frozen=True)
class Answer:
    name: str  # the .sql file's stem and the bi view's name
    question: str
    top: int  # rows the report and the dashboards show (0: all)

    @property
    def sql(self) -> str:
        return SqlFiles(SQL_DIR).text(self.name)


ANSWERS: dict[str, Answer] = {
    a.name: a
    for a in (
        Answer("campaign_roi_ranking", "Which marketing campaigns generate the best ROI?", 10),
        Answer("top_margin_products", "Which products have the highest profit margins?", 10),
        Answer("segment_shares", "What are the top customer segments by lifetime value?", 0),
    )
}


def fetch(conn: psycopg.Connection, name: str) -> pd.DataFrame:
    """The answer's rows, exact (``Decimal`` money, ``date`` dates), in its rank order."""
    with conn.cursor() as cur:
        cur.execute(ANSWERS[name].sql)
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description], dtype=object)


def write_definitions(out_dir: Path) -> Path:
    """``METRICS.md`` beside the outputs (written whole, then renamed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / METRICS_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(METRICS_SOURCE.read_text(encoding="utf-8"), encoding="utf-8")
    tmp.replace(path)
    return path
