"""Asset checks of the analytics tables, run inside each asset's transaction.

Each table asset declares its ``check_specs`` (``specs_for``) and returns the results in its
``MaterializeResult`` (``run_checks``), so a check sees exactly the rows just written. Blocking
checks (contract, key, money reconciliation, attribution) stop the report when they fail:
a report built on numbers that do not add up would be worse than none. Warn-level checks
(orders before registration, margins, shares) are for a human to look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pandas as pd
import psycopg
from psycopg import sql

from ecom_assets.lib import analytics_contracts as contracts

SQL_DIR = Path(__file__).parent / "sql"

CONTRACT = "contract"
KEY_UNIQUE = "key_unique"
REVENUE_RECONCILES = "revenue_reconciles"
NO_ORDERS_BEFORE_REGISTRATION = "no_orders_before_registration"
SHARES_SUM_TO_100 = "shares_sum_to_100"
MARGINS_BELOW_100 = "margins_below_100"
ATTRIBUTION_WITHIN_REVENUE = "attribution_within_revenue"
ORDERS_ATTRIBUTED_ONCE = "orders_attributed_once"

# table -> column whose sum must equal the facts' recognized net revenue, and which part of the
# facts the table cannot hold (orders of unknown customers / items of unknown products)
RECONCILED: dict[str, tuple[str, str]] = {
    "daily_sales": ("net_revenue", "orders"),
    "monthly_sales": ("net_revenue", "orders"),
    "customer_metrics": ("total_spent", "orders_known_customer"),
    "product_metrics": ("net_revenue", "items_known_product"),
    "category_metrics": ("net_revenue", "items_known_product"),
    "brand_metrics": ("net_revenue", "items_known_product"),
}
MARGIN_TABLES = ("product_metrics", "category_metrics", "brand_metrics")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CheckDef:
    name: str
    description: str
    blocking: bool


def _defs(table: str) -> list[CheckDef]:
    _, key = contracts.CONTRACTS[table]
    out = [
        CheckDef(CONTRACT, f"analytics.{table} satisfies its pandera contract (types, nulls, rules).", True),
        CheckDef(KEY_UNIQUE, f"`{key}` is unique and not null.", True),
    ]
    if table in RECONCILED:
        col, _ = RECONCILED[table]
        out.append(
            CheckDef(
                REVENUE_RECONCILES,
                f"sum({col}) equals the recognized net revenue of the facts (less the part whose "
                "customer/product is an unknown member, which is reported).",
                True,
            )
        )
    if table == "customer_metrics":
        out.append(
            CheckDef(
                NO_ORDERS_BEFORE_REGISTRATION,
                "No customer's first recognized order predates registration (a source data problem).",
                False,
            )
        )
    if table == "segment_metrics":
        out.append(CheckDef(SHARES_SUM_TO_100, "Customer and revenue shares each sum to 100 %.", False))
    if table in MARGIN_TABLES:
        out.append(CheckDef(MARGINS_BELOW_100, "Every margin_pct is below 100 (margin on price).", False))
    if table == "campaign_attribution":
        out += [
            CheckDef(
                ATTRIBUTION_WITHIN_REVENUE,
                "Attributed revenue and orders do not exceed the recognized totals.",
                True,
            ),
            CheckDef(ORDERS_ATTRIBUTED_ONCE, "Every order is attributed to one campaign at most.", True),
        ]
    return out


def specs_for(table: str, asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(d.name, asset=asset_key, description=d.description, blocking=d.blocking)
        for d in _defs(table)
    ]


def _result(d: CheckDef, passed: bool, metadata: dict[str, object]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=d.name,
        passed=bool(passed),
        severity=dg.AssetCheckSeverity.ERROR if d.blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def _md(frame: pd.DataFrame, rows: int = 20) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "(none)")


def fact_totals(conn: psycopg.Connection) -> dict[str, Decimal]:
    cur = conn.execute((SQL_DIR / "fact_totals.sql").read_text(encoding="utf-8"))
    row = cur.fetchone()
    return {d.name: v for d, v in zip(cur.description, row, strict=True)}


def _contract(d: CheckDef, table: str, frame: pd.DataFrame) -> dg.AssetCheckResult:
    failures = contracts.validate(table, frame)
    if failures is None:
        return _result(d, True, {"rows_validated": len(frame)})
    return _result(
        d,
        False,
        {"rows_validated": len(frame), "failure_count": len(failures), "failure_cases": _md(failures)},
    )


def _key_unique(d: CheckDef, conn: psycopg.Connection, table: str) -> dg.AssetCheckResult:
    _, key = contracts.CONTRACTS[table]
    row = conn.execute(
        sql.SQL("SELECT count(*) - count(DISTINCT {k}), count(*) FILTER (WHERE {k} IS NULL) FROM {t}").format(
            k=sql.Identifier(key), t=sql.Identifier("analytics", table)
        )
    ).fetchone()
    duplicates, nulls = int(row[0]), int(row[1])
    return _result(d, duplicates == 0 and nulls == 0, {"duplicate_keys": duplicates, "null_keys": nulls})


def _reconciles(
    d: CheckDef, conn: psycopg.Connection, table: str, totals: dict[str, Decimal]
) -> dg.AssetCheckResult:
    col, scope = RECONCILED[table]
    table_sum = conn.execute(
        sql.SQL("SELECT coalesce(sum({c}), 0) FROM {t}").format(
            c=sql.Identifier(col), t=sql.Identifier("analytics", table)
        )
    ).fetchone()[0]
    if scope == "orders":
        expected, left_out = totals["order_net_revenue"], Decimal(0)
    elif scope == "orders_known_customer":
        left_out = totals["unknown_customer_net_revenue"]
        expected = totals["order_net_revenue"] - left_out
    else:
        left_out = totals["unknown_product_net_revenue"]
        expected = totals["item_net_revenue"] - left_out
    diff = table_sum - expected
    return _result(
        d,
        diff == 0,
        {
            "table_sum": float(table_sum),
            "fact_net_revenue": float(expected + left_out),
            "unknown_member_net_revenue": float(left_out),
            "difference": float(diff),
        },
    )


def _before_registration(d: CheckDef, frame: pd.DataFrame) -> dg.AssetCheckResult:
    bad = frame[frame["acquisition_bucket"] == "Before registration"]
    cols = ["customer_id", "registration_date", "first_order_date", "days_to_first_purchase"]
    return _result(d, bad.empty, {"customers": len(bad), "examples": _md(bad[cols])})


def _shares(d: CheckDef, frame: pd.DataFrame) -> dg.AssetCheckResult:
    # Each share is rounded half-up on its own: n rows can miss 100 by up to n * 0.005.
    tolerance = max(0.01, 0.005 * len(frame))
    sums = {c: float(frame[c].fillna(0).sum()) for c in ("share_of_customers_pct", "share_of_revenue_pct")}
    ok = all(abs(v - 100) <= tolerance for v in sums.values()) if len(frame) else True
    if len(frame) and frame["total_lifetime_value"].sum() == 0:
        ok = abs(sums["share_of_customers_pct"] - 100) <= tolerance
    return _result(d, ok, {**{f"sum_{k}": v for k, v in sums.items()}, "tolerance": tolerance})


def _margins(d: CheckDef, frame: pd.DataFrame, table: str) -> dg.AssetCheckResult:
    bad = frame[frame["margin_pct"].notna() & (frame["margin_pct"] >= 100)]
    key = contracts.CONTRACTS[table][1]
    return _result(
        d,
        bad.empty,
        {"rows_at_or_above_100": len(bad), "examples": _md(bad[[key, "net_revenue", "cogs", "margin_pct"]])},
    )


def _attribution(
    d_within: CheckDef, d_once: CheckDef, conn: psycopg.Connection, totals: dict[str, Decimal]
) -> list[dg.AssetCheckResult]:
    attributed_revenue, attributed_orders = conn.execute(
        "SELECT coalesce(sum(attributed_revenue), 0), coalesce(sum(attributed_orders), 0) "
        "FROM analytics.campaign_attribution"
    ).fetchone()
    within = (
        attributed_revenue <= totals["order_net_revenue"] and attributed_orders <= totals["recognized_orders"]
    )
    rows, distinct_orders = conn.execute(
        "SELECT count(*), count(DISTINCT order_id) FROM pg_temp.order_attribution"
    ).fetchone()
    once = rows == distinct_orders == attributed_orders
    return [
        _result(
            d_within,
            within,
            {
                "attributed_revenue": float(attributed_revenue),
                "total_net_revenue": float(totals["order_net_revenue"]),
                "attributed_orders": int(attributed_orders),
                "recognized_orders": int(totals["recognized_orders"]),
            },
        ),
        _result(
            d_once,
            once,
            {
                "attribution_rows": int(rows),
                "distinct_orders": int(distinct_orders),
                "sum_attributed_orders": int(attributed_orders),
            },
        ),
    ]


def run_checks(conn: psycopg.Connection, table: str, frame: pd.DataFrame) -> list[dg.AssetCheckResult]:
    """Evaluate every check of ``table`` on the rows just written (same transaction)."""
    defs = {d.name: d for d in _defs(table)}
    totals = fact_totals(conn)
    results = [_contract(defs[CONTRACT], table, frame), _key_unique(defs[KEY_UNIQUE], conn, table)]
    if REVENUE_RECONCILES in defs:
        results.append(_reconciles(defs[REVENUE_RECONCILES], conn, table, totals))
    if NO_ORDERS_BEFORE_REGISTRATION in defs:
        results.append(_before_registration(defs[NO_ORDERS_BEFORE_REGISTRATION], frame))
    if SHARES_SUM_TO_100 in defs:
        results.append(_shares(defs[SHARES_SUM_TO_100], frame))
    if MARGINS_BELOW_100 in defs:
        results.append(_margins(defs[MARGINS_BELOW_100], frame, table))
    if ATTRIBUTION_WITHIN_REVENUE in defs:
        results += _attribution(defs[ATTRIBUTION_WITHIN_REVENUE], defs[ORDERS_ATTRIBUTED_ONCE], conn, totals)
    return results
