"""The business-questions report: METRICS.md's five questions answered from the analytics tables.

Every number comes from an ``analytics.*`` table (never recomputed from the facts); the three
answers the dashboards show too (campaign ROI ranking, top products, segment shares) are the
same queries (``answers``), so the report, the dashboards and the BI views agree. Numbers are
written by ``lib.formats``, the dashboards' rules. The report states the as-of date and the
data problems found (unknown dimension members, orders before registration, rejected rows), so
a reader knows what the numbers do not cover; it links the metric definitions, written beside
it as ``METRICS.md`` so the link works wherever the output folder is opened.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pandas as pd
import psycopg
from psycopg import sql

from ecom_assets.defs.analytics import answers
from ecom_assets.defs.analytics import assets as tables
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.staging import summary
from ecom_assets.lib import formats as fmt
from ecom_assets.lib import settings

REPORT_FILE = "business_questions.md"
METRICS_FILE = answers.METRICS_FILE  # the definitions, written beside the outputs that link them
TOP_N = 10
MIN_UNITS_FOR_MARGIN_RANK = 5

Column = tuple[str, str, Callable[[object], str]]  # header, alignment ("l" / "r"), formatter


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
    return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description], dtype=object)


def _text(value: object) -> str:
    return fmt.NA if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _table(frame: pd.DataFrame, columns: dict[str, Column]) -> str:
    """A Markdown table of ``frame``'s ``columns`` (key -> header, alignment, formatter)."""
    if frame.empty:
        return "_(no rows)_"
    head = "| " + " | ".join(h for h, _, _ in columns.values()) + " |"
    rule = "|" + "|".join("---:" if a == "r" else "---" for _, a, _ in columns.values()) + "|"
    rows = [
        "| " + " | ".join(f(row[key]).replace("|", "\\|") for key, (_, _, f) in columns.items()) + " |"
        for _, row in frame.iterrows()
    ]
    return "\n".join([head, rule, *rows])


def _signed_pct(value: object) -> str:
    return fmt.percent(value, signed=True)


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


def _full_months(months: pd.DataFrame, first_day: dt.date | None, as_of: dt.date) -> pd.Series:
    """Which months the loaded period covers whole (the first and last may be partial)."""
    start = months["month"]
    end = start.map(
        lambda m: (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    )
    return (start >= (first_day or dt.date.min)) & (end <= as_of)


def _margins(conn: psycopg.Connection, rep: Report) -> None:
    top = answers.fetch(conn, "top_margin_products").head(TOP_N)
    cats = _frame(
        conn,
        "SELECT category, units_sold, net_revenue, gross_profit, margin_pct FROM analytics.category_metrics "
        "ORDER BY margin_pct DESC NULLS LAST, category",
    )
    rep.answers["top_margin_products"] = list(top["product_id"])
    rep.answers["top_margin_pct"] = top["margin_pct"].iloc[0] if len(top) else None
    rep.answers["category_margins"] = dict(zip(cats["category"], cats["margin_pct"], strict=True))
    products = {
        "margin_rank": ("#", "r", fmt.count),
        "product_name": ("Product", "l", _text),
        "product_id": ("ID", "l", _text),
        "category": ("Category", "l", _text),
        "units_sold": ("Units sold", "r", fmt.count),
        "net_revenue": ("Net revenue", "r", fmt.money),
        "gross_profit": ("Gross profit", "r", fmt.money),
        "margin_pct": ("Margin", "r", fmt.percent),
    }
    categories = {k: products[k] for k in ("units_sold", "net_revenue", "gross_profit", "margin_pct")}
    rep.sections.append(
        "## 1. Which products have the highest profit margins?\n\n"
        f"The top {TOP_N} products by margin (gross profit / net revenue) among those with at least "
        f"{MIN_UNITS_FOR_MARGIN_RANK} units sold, ties by product ID:\n\n"
        + _table(top, products)
        + "\n\nMargin by category:\n\n"
        + _table(cats, {"category": ("Category", "l", _text), **categories})
    )


def _segments(conn: psycopg.Connection, rep: Report) -> None:
    seg = answers.fetch(conn, "segment_shares")
    rep.answers["top_segment"] = seg["customer_segment"].iloc[0] if len(seg) else None
    rep.answers["segment_ltv"] = dict(zip(seg["customer_segment"], seg["total_lifetime_value"], strict=True))
    lead = (
        f"**{seg['customer_segment'].iloc[0]}** leads with {fmt.money(seg['total_lifetime_value'].iloc[0])} "
        f"of lifetime value: {fmt.percent(seg['share_of_revenue_pct'].iloc[0])} of revenue from "
        f"{fmt.percent(seg['share_of_customers_pct'].iloc[0])} of customers."
        if len(seg)
        else "No customers."
    )
    columns = {
        "customer_segment": ("Segment", "l", _text),
        "customers": ("Customers", "r", fmt.count),
        "buyers": ("Buyers", "r", fmt.count),
        "total_lifetime_value": ("Lifetime value", "r", fmt.money),
        "avg_lifetime_value": ("Average per customer", "r", fmt.money),
        "share_of_customers_pct": ("Share of customers", "r", fmt.percent),
        "share_of_revenue_pct": ("Share of revenue", "r", fmt.percent),
        "high_churn_risk": ("High churn risk", "r", fmt.count),
    }
    rep.sections.append(
        "## 2. What are the top customer segments by lifetime value?\n\n"
        + lead
        + "\n\n"
        + _table(seg, columns)
    )


def _seasons(conn: psycopg.Connection, rep: Report) -> None:
    months = _frame(
        conn,
        "SELECT month, orders, net_revenue, gross_profit, avg_order_value, net_revenue_growth_pct "
        "FROM analytics.monthly_sales ORDER BY month",
    )
    first_day = conn.execute("SELECT min(sales_date) FROM analytics.daily_sales").fetchone()[0]
    full = _full_months(months, first_day, rep.as_of) if len(months) else pd.Series(dtype=bool)
    partial = set(months.loc[~full, "month"]) if len(months) else set()
    columns: dict[str, Column] = {
        "month": ("Month", "l", lambda m: fmt.month(m) + (" (partial)" if m in partial else "")),  # type: ignore[arg-type]
        "orders": ("Orders", "r", fmt.count),
        "net_revenue": ("Net revenue", "r", fmt.money),
        "gross_profit": ("Gross profit", "r", fmt.money),
        "avg_order_value": ("Average order", "r", fmt.money),
        "net_revenue_growth_pct": ("Change vs previous month", "r", _signed_pct),
    }
    if not len(months):
        rep.sections.append("## 3. How do seasonal trends affect sales?\n\nNo orders.")
        return
    ranked = months[full] if full.any() else months
    best = ranked.sort_values(["net_revenue", "month"], ascending=[False, True]).iloc[0]
    worst = ranked.sort_values(["net_revenue", "month"], ascending=[True, True]).iloc[0]
    rep.answers["best_month"] = (best["month"], best["net_revenue"])
    rep.answers["worst_month"] = (worst["month"], worst["net_revenue"])
    text = (
        f"Best month: **{fmt.month(best['month'])}** ({fmt.money(best['net_revenue'])}); worst month: "
        f"**{fmt.month(worst['month'])}** ({fmt.money(worst['net_revenue'])})"
        + (", among the months loaded whole." if partial and full.any() else ".")
    )
    rep.sections.append(
        "## 3. How do seasonal trends affect sales?\n\n" + text + "\n\n" + _table(months, columns)
    )


def _campaigns(conn: psycopg.Connection, rep: Report) -> None:
    ranking = answers.fetch(conn, "campaign_roi_ranking")
    camps = ranking.head(TOP_N)
    total = conn.execute("SELECT count(*) FROM analytics.campaign_attribution").fetchone()[0]
    rep.answers["top_campaigns"] = list(camps["campaign_id"])
    columns = {
        "roi_rank": ("#", "r", fmt.count),
        "campaign_name": ("Campaign", "l", _text),
        "campaign_id": ("ID", "l", _text),
        "channel": ("Channel", "l", _text),
        "status": ("Status", "l", _text),
        "budget": ("Budget", "r", fmt.money),
        "attributed_orders": ("Attributed orders", "r", fmt.count),
        "attributed_revenue": ("Attributed revenue", "r", fmt.money),
        "roas": ("ROAS (ratio)", "r", fmt.ratio),
        "roi_pct": ("ROI", "r", _signed_pct),
        "reported_roi": ("Platform ROI (ratio)", "r", fmt.ratio),
    }
    unranked = int(total) - len(ranking)
    rep.sections.append(
        "## 4. Which marketing campaigns generate the best ROI?\n\n"
        f"The top {min(TOP_N, len(ranking))} of {fmt.count(len(ranking))} campaigns that have started, by "
        "ROI = (attributed gross profit − budget) / budget, with 7-day last-touch attribution. ROAS is "
        "attributed net revenue / budget, a ratio (4.00× = four dollars of revenue per dollar spent). "
        "Platform ROI is what the ad platform reported, also a ratio. Running campaigns are ranked on "
        "what they have brought so far."
        + (
            f" {fmt.count(unranked)} "
            + (
                "campaign starts after the as-of date and is"
                if unranked == 1
                else "campaigns start after the as-of date and are"
            )
            + " not ranked."
            if unranked
            else ""
        )
        + "\n\n"
        + _table(camps, columns)
    )


def _first_purchase(conn: psycopg.Connection, rep: Report) -> None:
    days = [
        int(r[0])
        for r in conn.execute(
            "SELECT days_to_first_purchase FROM analytics.customer_metrics "
            "WHERE total_orders > 0 AND days_to_first_purchase >= 0"
        ).fetchall()
    ]
    buckets = _frame(
        conn,
        "SELECT acquisition_bucket, count(*) AS customers FROM analytics.customer_metrics GROUP BY 1",
    )
    order = fmt.natural_order(buckets["acquisition_bucket"], fmt.BUCKET_ORDER)
    buckets = buckets.set_index("acquisition_bucket").loc[order].reset_index()
    total = int(buckets["customers"].sum()) or 1
    buckets["share"] = [Decimal(int(n) * 100) / total for n in buckets["customers"]]
    mean = round(statistics.fmean(days), 2) if days else None
    median = statistics.median(days) if days else None
    rep.answers["mean_days_to_first_purchase"] = mean
    rep.answers["median_days_to_first_purchase"] = median
    rep.answers["acquisition_buckets"] = dict(
        zip(buckets["acquisition_bucket"], buckets["customers"], strict=True)
    )
    columns = {
        "acquisition_bucket": ("First purchase", "l", _text),
        "customers": ("Customers", "r", fmt.count),
        "share": ("Share", "r", fmt.percent),
    }
    rep.sections.append(
        "## 5. What is the average time between acquisition and first purchase?\n\n"
        f"Over {fmt.count(len(days))} buyers whose first order is on or after their registration: mean "
        f"**{fmt.number(mean)} days**, median **{fmt.number(median, 0)} days**.\n\n"
        + _table(buckets, columns)
    )


def problem_counts(auto: psycopg.Connection) -> dict[str, int]:
    """The data-problem counts, each statement of data_problems.sql in its own transaction
    (``auto`` is an autocommit connection), so no transaction locks every partition at once; a
    statement may give several counts, one per column. Joins of two facts go partition by
    partition (their month partitions match): half the time of one join over the whole tables."""
    problems: dict[str, int] = {}
    auto.execute("SET enable_partitionwise_join = on")
    try:
        for statement in problem_statements():
            cur = auto.execute(statement)
            row = cur.fetchone()
            problems |= {c.name: int(v) for c, v in zip(cur.description, row, strict=True)}
    finally:
        auto.execute("RESET enable_partitionwise_join")
    return problems


def problem_statements() -> list[str]:
    """The statements of data_problems.sql, comments left out."""
    text = tables.SQL.text("data_problems")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def _problems(conn: psycopg.Connection, rep: Report, auto: psycopg.Connection | None = None) -> None:
    problems = problem_counts(auto if auto is not None else conn)
    labels = {k: k.replace("_", " ") for k in problems}
    rejects = _rejects(conn)
    problems |= rejects
    labels |= {k: k for k in rejects}
    rep.problems = problems
    lines = [f"- {labels[k]}: **{fmt.count(v)}**" for k, v in problems.items() if v]
    rep.sections.append(
        "## Data problems\n\n"
        + ("\n".join(lines) if lines else "None found.")
        + "\n\nUnknown-member facts count in totals but in no per-customer or per-product row; "
        "customers ordering before registration are excluded from question 5's mean and median."
    )
    rep.sections.append(summary.data_handling(conn).markdown())


def build_report(conn: psycopg.Connection, auto: psycopg.Connection | None = None) -> Report:
    """Answer the five questions from the analytics tables in one read transaction; the data-problem
    counts over every fact partition run on ``auto`` (autocommit), one transaction each."""
    as_of = tables.require_as_of(conn)
    rep = Report(as_of=as_of)
    first, last = conn.execute(
        "SELECT min(sales_date), max(sales_date) FROM analytics.daily_sales"
    ).fetchone()
    period = f" Orders from {fmt.day(first)} to {fmt.day(last)}." if first else ""
    rep.sections.append(
        f"# Business questions\n\nAs of **{fmt.day(as_of)}** (the last loaded day).{period} Revenue is net "
        "revenue (subtotal − discount, before tax and shipping) of recognized orders (not cancelled or "
        "returned), in US dollars; profit is gross profit after point-in-time cost of goods. "
        f"Definitions: [{METRICS_FILE}]({METRICS_FILE})."
    )
    for section in (_margins, _segments, _seasons, _campaigns, _first_purchase):
        section(conn, rep)
    _problems(conn, rep, auto)
    rep.sections.append(
        f"---\n\nEvery figure is read from the `analytics` tables (the `bi` views show the same); "
        f"metric definitions: [{METRICS_FILE}]({METRICS_FILE})."
    )
    return rep


def write_outputs(text: str, out: Path) -> Path:
    """The report and, beside it, the definitions it links; each written whole, then renamed."""
    answers.write_definitions(out)
    path = out / REPORT_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


@dg.asset(
    key=["analytics", "business_questions"],
    description="Answers the five business questions of METRICS.md from the analytics tables: "
    "Markdown in the UI and business_questions.md in the output directory (with METRICS.md beside "
    "it), with the as-of date and the data problems found.",
    group_name=tables.GROUP,
    kinds={"postgres", "markdown"},
    owners=tables.OWNERS,
    deps=tables.TABLE_KEYS,
)
def business_questions(warehouse: PostgresResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as conn, warehouse.get_connection(autocommit=True) as auto:
        rep = build_report(conn, auto)
    text = rep.markdown()
    path = write_outputs(text, settings.output_dir())
    # in the UI a relative link leads nowhere: name the file the definitions were written to
    shown = text.replace(f"[{METRICS_FILE}]({METRICS_FILE})", f"`{path.with_name(METRICS_FILE)}`")
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.md(shown),
            "report_path": str(path),
            "as_of": str(rep.as_of),
            "mean_days_to_first_purchase": rep.answers.get("mean_days_to_first_purchase"),
            "median_days_to_first_purchase": rep.answers.get("median_days_to_first_purchase"),
            "data_problems": {k: v for k, v in rep.problems.items() if v},
        }
    )
