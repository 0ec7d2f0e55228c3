"""Asset checks of the analytics tables, run inside each asset's transaction.

Each table asset declares its ``check_specs`` (``specs_for``) and returns the results in its
``MaterializeResult`` (``run_checks``), so a check sees exactly the rows just written. Blocking
checks (contract, key, money reconciliation, attribution) stop the report when they fail:
a report built on numbers that do not add up would be worse than none. Warn-level checks
(orders before registration, margins, shares) are for a human to look at.

The money checks compare each table with totals computed from the fact rows, never from the
analytics tables or their state (``fact_totals.py``, which keeps them per fact day).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import dagster as dg
import pandas as pd
import psycopg
from psycopg import sql

from ecom_assets.defs.analytics import contracts
from ecom_assets.defs.analytics.fact_totals import FactTotals, fact_totals, row_dict

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
# Tables whose incremental build rewrites only some rows (TableSpec.rebuilt_keys): the contract
# validates those rows, and these counts of rows breaking a rule that can change without a
# rewrite (columns computed when read) are taken over the whole table. Each must be 0.
WHOLE_TABLE_RULES: dict[str, str] = {
    "customer_metrics": """
        SELECT count(*) FILTER (WHERE days_since_last_order < 0) AS days_since_last_order_negative,
               count(*) FILTER (WHERE (total_orders > 0) <> (days_since_last_order IS NOT NULL))
                   AS days_since_last_order_iff_buyer
        FROM analytics.customer_metrics
    """,
}
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


def _contract(
    d: CheckDef, conn: psycopg.Connection, table: str, frame: pd.DataFrame, table_rows: int | None
) -> dg.AssetCheckResult:
    """pandera on ``frame``: every row, or (``table_rows`` given) the rows an incremental build
    rewrote, with the table's whole-table rules in SQL."""
    failures = contracts.validate(table, frame)
    meta: dict[str, object] = {"rows_validated": len(frame)}
    broken = 0
    if table_rows is not None:
        meta["table_rows"] = table_rows
        meta["scope"] = "rows rewritten by this incremental build; whole-table rules in SQL"
        if table in WHOLE_TABLE_RULES:
            counts = row_dict(conn.execute(WHOLE_TABLE_RULES[table]))
            meta |= {k: int(v) for k, v in counts.items()}
            broken = sum(int(v) for v in counts.values())
    if failures is None:
        return _result(d, broken == 0, meta)
    return _result(d, False, {**meta, "failure_count": len(failures), "failure_cases": _md(failures)})


def _key_unique(
    d: CheckDef, conn: psycopg.Connection, table: str, keys: str | None = None
) -> dg.AssetCheckResult:
    """No key twice and none null: over the whole table, or (``keys``: the temp table of the keys
    an incremental build rewrote) duplicates among those keys only, as only a rewritten row can
    repeat a key the previous build had once."""
    _, key = contracts.CONTRACTS[table]
    k, t = sql.Identifier(key), sql.Identifier("analytics", table)
    if keys is None:
        query = sql.SQL(
            "SELECT count(*) - count(DISTINCT {k}), count(*) FILTER (WHERE {k} IS NULL) FROM {t}"
        ).format(k=k, t=t)
    else:
        query = sql.SQL(
            "SELECT (SELECT count(*) - count(DISTINCT {k}) FROM {t} WHERE {k} = ANY(ARRAY(SELECT {k} FROM {r}))), "
            "(SELECT count(*) FROM {t} WHERE {k} IS NULL)"
        ).format(k=k, t=t, r=sql.Identifier("pg_temp", keys))
    row = conn.execute(query).fetchone()
    duplicates, nulls = int(row[0]), int(row[1])
    meta: dict[str, object] = {"duplicate_keys": duplicates, "null_keys": nulls}
    if keys is not None:
        meta["scope"] = "duplicates among the keys rewritten by this incremental build"
    return _result(d, duplicates == 0 and nulls == 0, meta)


def _reconciles(d: CheckDef, conn: psycopg.Connection, table: str, totals: FactTotals) -> dg.AssetCheckResult:
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
            "fact_totals_from": totals.source,
            **({} if totals.days_recomputed is None else {"fact_days_recomputed": totals.days_recomputed}),
        },
    )


def _before_registration(d: CheckDef, conn: psycopg.Connection) -> dg.AssetCheckResult:
    """In SQL over the whole table: an incremental build reads back only the rows it rewrote."""
    cols = ["customer_id", "registration_date", "first_order_date", "days_to_first_purchase"]
    cur = conn.execute(
        "SELECT customer_id, registration_date, first_order_date, days_to_first_purchase, count(*) OVER () "
        "FROM analytics.customer_metrics WHERE acquisition_bucket = 'Before registration' "
        "ORDER BY customer_id LIMIT 20"
    )
    rows = cur.fetchall()
    bad = pd.DataFrame([r[:4] for r in rows], columns=cols)
    return _result(d, not rows, {"customers": int(rows[0][4]) if rows else 0, "examples": _md(bad)})


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
    d_within: CheckDef, d_once: CheckDef, conn: psycopg.Connection, totals: FactTotals
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


def run_checks(
    conn: psycopg.Connection,
    table: str,
    frame: pd.DataFrame,
    keys: str | None = None,
    table_rows: int | None = None,
) -> list[dg.AssetCheckResult]:
    """Evaluate every check of ``table`` on the rows just written (same transaction): ``frame``
    holds every row of the table, or (``keys`` given) the rows an incremental build rewrote,
    whose keys are in the temp table ``pg_temp.<keys>``, out of ``table_rows`` in all."""
    defs = {d.name: d for d in _defs(table)}
    totals = fact_totals(conn)
    results = [
        _contract(defs[CONTRACT], conn, table, frame, table_rows if keys is not None else None),
        _key_unique(defs[KEY_UNIQUE], conn, table, keys),
    ]
    if REVENUE_RECONCILES in defs:
        results.append(_reconciles(defs[REVENUE_RECONCILES], conn, table, totals))
    if NO_ORDERS_BEFORE_REGISTRATION in defs:
        results.append(_before_registration(defs[NO_ORDERS_BEFORE_REGISTRATION], conn))
    if SHARES_SUM_TO_100 in defs:
        results.append(_shares(defs[SHARES_SUM_TO_100], frame))
    if MARGINS_BELOW_100 in defs:
        results.append(_margins(defs[MARGINS_BELOW_100], frame, table))
    if ATTRIBUTION_WITHIN_REVENUE in defs:
        results += _attribution(defs[ATTRIBUTION_WITHIN_REVENUE], defs[ORDERS_ATTRIBUTED_ONCE], conn, totals)
    return results
