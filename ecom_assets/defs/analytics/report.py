"""The business-questions report: METRICS.md's five questions answered from the analytics tables.

Every number comes from an ``analytics.*`` table (never recomputed from the facts), so the
report, the dashboards and the BI views agree. The report states the as-of date and lists the
data problems found (unknown dimension members, orders before registration, rejected rows), so
a reader knows what the numbers do not cover.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pandas as pd
import psycopg
from psycopg import sql

from ecom_assets.defs.analytics import assets as tables
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.staging import summary
from ecom_assets.lib import settings

SQL_DIR = Path(__file__).parent / "sql"
REPORT_FILE = "business_questions.md"
TOP_N = 10
MIN_UNITS_FOR_MARGIN_RANK = 5


@dataclass
class Report:
    """The report's answers as values (tests compare them with the tables) and as Markdown."""

    as_of: dt.date
    answers: dict[str, object] = field(default_factory=dict)
    problems: dict[str, int] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        return "\n\n".join(self.sections) + "\n"


def _frame(conn: psycopg.Connection, query: str, params: tuple = ()) -> pd.DataFrame:
    cur = conn.execute(query, params)
    return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "n/a"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_(no rows)_"
    shown = frame.map(_fmt) if hasattr(frame, "map") else frame.applymap(_fmt)
    return shown.to_markdown(index=False, disable_numparse=True)


def _rejects(conn: psycopg.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'staging' AND table_name LIKE %s ORDER BY table_name",
            ("%\\_rejects",),
        ).fetchall()
    ]
    out = {}
    for name in names:
        n = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("staging", name))
        ).fetchone()[0]
        out[f"rejected rows in staging.{name}"] = int(n)
    return out


def build_report(conn: psycopg.Connection) -> Report:
    """Answer the five questions from the analytics tables in one read transaction."""
    as_of = tables.require_as_of(conn)
    rep = Report(as_of=as_of)
    rep.sections.append(
        f"# Business questions\n\nAs of **{as_of}** (the last loaded day). Revenue is net revenue "
        "(subtotal - discount) of recognized orders (not Cancelled or Returned); profit is gross "
        "profit after point-in-time COGS. Definitions: shared/METRICS.md."
    )

    # 1. margins
    top = _frame(
        conn,
        "SELECT product_id, product_name, category, units_sold, net_revenue, gross_profit, margin_pct "
        "FROM analytics.product_metrics WHERE units_sold >= %s AND margin_pct IS NOT NULL "
        "ORDER BY margin_pct DESC, product_id LIMIT %s",
        (MIN_UNITS_FOR_MARGIN_RANK, TOP_N),
    )
    cats = _frame(
        conn,
        "SELECT category, units_sold, net_revenue, gross_profit, margin_pct FROM analytics.category_metrics "
        "ORDER BY margin_pct DESC NULLS LAST, category",
    )
    rep.answers["top_margin_products"] = list(top["product_id"])
    rep.answers["top_margin_pct"] = top["margin_pct"].iloc[0] if len(top) else None
    rep.answers["category_margins"] = dict(zip(cats["category"], cats["margin_pct"], strict=True))
    rep.sections.append(
        "## 1. Which products have the highest profit margins?\n\n"
        f"Top {TOP_N} products by margin % among those with at least {MIN_UNITS_FOR_MARGIN_RANK} "
        "units sold (ties by product_id):\n\n" + _table(top) + "\n\nMargin by category:\n\n" + _table(cats)
    )

    # 2. segments
    seg = _frame(
        conn,
        "SELECT customer_segment, customers, buyers, total_lifetime_value, avg_lifetime_value, "
        "share_of_customers_pct, share_of_revenue_pct, high_churn_risk FROM analytics.segment_metrics "
        "ORDER BY total_lifetime_value DESC, customer_segment",
    )
    rep.answers["top_segment"] = seg["customer_segment"].iloc[0] if len(seg) else None
    rep.answers["segment_ltv"] = dict(zip(seg["customer_segment"], seg["total_lifetime_value"], strict=True))
    lead = (
        f"**{seg['customer_segment'].iloc[0]}** leads with {_fmt(seg['total_lifetime_value'].iloc[0])} of "
        f"lifetime value ({_fmt(seg['share_of_revenue_pct'].iloc[0])} % of revenue)."
        if len(seg)
        else "No customers."
    )
    rep.sections.append(
        "## 2. What are the top customer segments by lifetime value?\n\n" + lead + "\n\n" + _table(seg)
    )

    # 3. seasonality
    months = _frame(
        conn,
        "SELECT month, orders, net_revenue, gross_profit, avg_order_value, net_revenue_growth_pct "
        "FROM analytics.monthly_sales ORDER BY month",
    )
    if len(months):
        best = months.sort_values(["net_revenue", "month"], ascending=[False, True]).iloc[0]
        worst = months.sort_values(["net_revenue", "month"], ascending=[True, True]).iloc[0]
        rep.answers["best_month"] = (best["month"], best["net_revenue"])
        rep.answers["worst_month"] = (worst["month"], worst["net_revenue"])
        text = (
            f"Best month: **{best['month']:%Y-%m}** ({_fmt(best['net_revenue'])}); worst month: "
            f"**{worst['month']:%Y-%m}** ({_fmt(worst['net_revenue'])}). A first or last month may be partial."
        )
    else:
        text = "No orders."
    rep.sections.append("## 3. How do seasonal trends affect sales?\n\n" + text + "\n\n" + _table(months))

    # 4. campaigns
    camps = _frame(
        conn,
        "SELECT campaign_id, campaign_name, channel, budget, attributed_orders, attributed_revenue, "
        "attributed_gross_profit, roas, roi_pct, roi AS platform_roi FROM analytics.campaign_attribution "
        "WHERE roi_pct IS NOT NULL ORDER BY roi_pct DESC, campaign_id LIMIT %s",
        (TOP_N,),
    )
    rep.answers["top_campaigns"] = list(camps["campaign_id"])
    rep.sections.append(
        "## 4. Which marketing campaigns generate the best ROI?\n\n"
        f"Top {TOP_N} by our ROI % = (attributed gross profit - budget) / budget * 100, with 7-day "
        "last-touch attribution; ROAS = attributed net revenue / budget. `platform_roi` is what the "
        "ad platform reported.\n\n" + _table(camps)
    )

    # 5. acquisition -> first purchase
    days = [
        int(r[0])
        for r in conn.execute(
            "SELECT days_to_first_purchase FROM analytics.customer_metrics "
            "WHERE total_orders > 0 AND days_to_first_purchase >= 0"
        ).fetchall()
    ]
    buckets = _frame(
        conn,
        "SELECT acquisition_bucket, count(*) AS customers FROM analytics.customer_metrics "
        "GROUP BY acquisition_bucket ORDER BY customers DESC, acquisition_bucket",
    )
    mean = round(statistics.fmean(days), 2) if days else None
    median = statistics.median(days) if days else None
    rep.answers["mean_days_to_first_purchase"] = mean
    rep.answers["median_days_to_first_purchase"] = median
    rep.answers["acquisition_buckets"] = dict(
        zip(buckets["acquisition_bucket"], buckets["customers"], strict=True)
    )
    rep.sections.append(
        "## 5. What is the average time between acquisition and first purchase?\n\n"
        f"Over {len(days)} buyers whose first order is on or after registration: mean "
        f"**{_fmt(mean)}** days, median **{_fmt(median)}** days.\n\n" + _table(buckets)
    )

    # data problems
    cur = conn.execute((SQL_DIR / "data_problems.sql").read_text(encoding="utf-8"))
    row = cur.fetchone()
    problems = {d.name: int(v) for d, v in zip(cur.description, row, strict=True)}
    labels = {k: k.replace("_", " ") for k in problems}
    rejects = _rejects(conn)
    problems |= rejects
    labels |= {k: k for k in rejects}
    rep.problems = problems
    lines = [f"- {labels[k]}: **{v}**" for k, v in problems.items() if v]
    rep.sections.append(
        "## Data problems\n\n"
        + ("\n".join(lines) if lines else "None found.")
        + "\n\nUnknown-member facts count in totals but in no per-customer or per-product row; "
        "customers ordering before registration are excluded from question 5's mean and median."
    )
    rep.sections.append(summary.data_handling(conn).markdown())
    return rep


@dg.asset(
    key=["analytics", "business_questions"],
    description="Answers the five business questions of METRICS.md from the analytics tables: "
    "Markdown in the UI and business_questions.md in the output directory, with the as-of date "
    "and the data problems found.",
    group_name=tables.GROUP,
    kinds={"postgres", "markdown"},
    owners=tables.OWNERS,
    deps=tables.TABLE_KEYS,
)
def business_questions(warehouse: PostgresResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as conn:
        rep = build_report(conn)
    text = rep.markdown()
    out = settings.output_dir()
    out.mkdir(parents=True, exist_ok=True)
    path = out / REPORT_FILE
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.md(text),
            "report_path": str(path),
            "as_of": str(rep.as_of),
            "mean_days_to_first_purchase": rep.answers.get("mean_days_to_first_purchase"),
            "median_days_to_first_purchase": rep.answers.get("median_days_to_first_purchase"),
            "data_problems": {k: v for k, v in rep.problems.items() if v},
        }
    )
