"""Asset checks of the warehouse: SCD2 integrity of the dimensions, reconciliation of the facts.

The counts come from ``sql/dim_checks.sql`` and ``sql/checks_<fact>.sql``, run by the asset in
the transaction that wrote the table; the results travel in ``MaterializeResult(check_results=)``
against the specs declared here. Partitioned facts check their window this way because a
partitioned ``@asset_check`` is preview in Dagster 1.13. ``blocking`` where a failure would
poison what is downstream (the step fails and downstream assets do not run); WARN where a
human should look but the numbers downstream stay right.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import dagster as dg

ONE_CURRENT_ROW = "one_current_row_per_key"
VALIDITY_RANGES = "validity_ranges_contiguous"
HASH_MATCHES = "attr_hash_matches_attributes"

KEYS_RESOLVE = "dimension_keys_resolve"
UNKNOWN_MEMBERS = "unknown_members"
ROWS_RECONCILE = "staged_rows_match_fact_rows"
NET_REVENUE_RECONCILES = "net_revenue_matches_items"
TOTAL_AMOUNT_IDENTITY = "total_amount_identity"
SUBTOTAL_IDENTITY = "subtotal_matches_items"
NON_NEGATIVE = "no_negative_values"
BEFORE_REGISTRATION = "orders_before_registration"
ORDERS_WITHOUT_ITEMS = "recognized_orders_have_items"
ITEMS_WITHOUT_ORDER = "items_have_their_order"


@dataclass(frozen=True)
class CheckDef:
    name: str
    blocking: bool
    description: str


DIM_CHECKS: tuple[CheckDef, ...] = (
    CheckDef(ONE_CURRENT_ROW, True, "Every natural key has exactly one row with is_current."),
    CheckDef(
        VALIDITY_RANGES,
        True,
        "Per key, validity ranges neither overlap nor leave gaps; the first starts 1900-01-01, "
        "the last ends 9999-12-31, none is empty.",
    ),
    CheckDef(HASH_MATCHES, False, "attr_hash equals md5 of the tracked attributes of its row."),
)

_FACT_CHECK_DEFS: dict[str, CheckDef] = {
    c.name: c
    for c in (
        CheckDef(KEYS_RESOLVE, True, "Every surrogate key in the window resolves to a dimension row."),
        CheckDef(
            UNKNOWN_MEMBERS,
            False,
            "Rows whose customer/product is not in its dimension (loaded on the unknown member -1).",
        ),
        CheckDef(
            ROWS_RECONCILE,
            True,
            "Staged rows of the window = fact rows of the window (duplicates of a key count once).",
        ),
        CheckDef(
            NET_REVENUE_RECONCILES,
            True,
            "Each order's net revenue equals the sum of its items' net revenue, to the cent.",
        ),
        CheckDef(
            TOTAL_AMOUNT_IDENTITY,
            False,
            "total_amount = subtotal - discount_amount + shipping_cost + tax_amount within 0.01.",
        ),
        CheckDef(
            SUBTOTAL_IDENTITY,
            False,
            "subtotal = sum of the order's items' total_price within 0.01 (orders with items).",
        ),
        CheckDef(NON_NEGATIVE, True, "No negative quantity, price, amount or stock."),
        CheckDef(
            BEFORE_REGISTRATION,
            False,
            "Orders dated before their customer's registration_date (a data problem to look at).",
        ),
        CheckDef(
            ORDERS_WITHOUT_ITEMS,
            False,
            "Recognized orders with no items: their COGS is 0 and their margin too high (an export of "
            "order_items cut short?).",
        ),
        CheckDef(
            ITEMS_WITHOUT_ORDER,
            False,
            "Items whose order is not staged on their day: not recognized, no discount, customer -1.",
        ),
    )
}

FACT_CHECKS: dict[str, tuple[str, ...]] = {
    "fact_orders": (
        KEYS_RESOLVE,
        UNKNOWN_MEMBERS,
        ROWS_RECONCILE,
        NET_REVENUE_RECONCILES,
        TOTAL_AMOUNT_IDENTITY,
        SUBTOTAL_IDENTITY,
        NON_NEGATIVE,
        BEFORE_REGISTRATION,
        ORDERS_WITHOUT_ITEMS,
    ),
    "fact_order_items": (KEYS_RESOLVE, UNKNOWN_MEMBERS, ROWS_RECONCILE, NON_NEGATIVE, ITEMS_WITHOUT_ORDER),
    "fact_clickstream": (KEYS_RESOLVE, UNKNOWN_MEMBERS, ROWS_RECONCILE, NON_NEGATIVE),
    "fact_inventory": (KEYS_RESOLVE, UNKNOWN_MEMBERS, ROWS_RECONCILE, NON_NEGATIVE),
}


def _specs(key: dg.AssetKey, defs: tuple[CheckDef, ...]) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(name=c.name, asset=key, blocking=c.blocking, description=c.description)
        for c in defs
    ]


def dim_check_specs(key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return _specs(key, DIM_CHECKS)


def fact_check_specs(key: dg.AssetKey, fact: str) -> list[dg.AssetCheckSpec]:
    return _specs(key, tuple(_FACT_CHECK_DEFS[n] for n in FACT_CHECKS[fact]))


def _result(
    key: dg.AssetKey,
    name: str,
    failures: int,
    metadata: Mapping[str, object],
    *,
    warn: bool = False,
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=name,
        passed=failures == 0,
        severity=dg.AssetCheckSeverity.WARN if warn else dg.AssetCheckSeverity.ERROR,
        metadata={"failures": failures, **metadata},
    )


def dim_check_results(key: dg.AssetKey, c: Mapping[str, int]) -> list[dg.AssetCheckResult]:
    """Results of the dimension checks from the counts of ``sql/dim_checks.sql``."""
    base = {"rows": c["row_count"], "natural_keys": c["natural_keys"]}
    ranges = c["overlaps"] + c["gaps"] + c["open_ends_wrong"] + c["empty_ranges"]
    return [
        _result(key, ONE_CURRENT_ROW, c["keys_without_one_current_row"], base),
        _result(
            key,
            VALIDITY_RANGES,
            ranges,
            {
                **base,
                "overlaps": c["overlaps"],
                "gaps": c["gaps"],
                "open_ends_wrong": c["open_ends_wrong"],
                "empty_ranges": c["empty_ranges"],
            },
        ),
        _result(key, HASH_MATCHES, c["hash_mismatches"], base),
    ]


def fact_check_results(
    key: dg.AssetKey, fact: str, c: Mapping[str, int], window: Mapping[str, str]
) -> list[dg.AssetCheckResult]:
    """Results of one fact's checks over its window from the counts of ``sql/checks_<fact>.sql``."""
    out: dict[str, dg.AssetCheckResult] = {}
    unknown = {k: v for k, v in c.items() if k.startswith("unknown_")}
    unresolved = c.get("unresolved_keys", c.get("unresolved_customer_sk", 0))
    out[KEYS_RESOLVE] = _result(key, KEYS_RESOLVE, unresolved, window)
    out[UNKNOWN_MEMBERS] = _result(
        key, UNKNOWN_MEMBERS, sum(unknown.values()), {**window, **unknown}, warn=True
    )
    out[ROWS_RECONCILE] = _result(
        key,
        ROWS_RECONCILE,
        abs(c["staged_keys"] - c["fact_rows"]),
        {
            **window,
            "staged_rows": c["staged_rows"],
            "staged_distinct_keys": c["staged_keys"],
            "duplicate_staged_rows": c["staged_rows"] - c["staged_keys"],
            "fact_rows": c["fact_rows"],
        },
    )
    out[NON_NEGATIVE] = _result(key, NON_NEGATIVE, c["negative_values"], window)
    if fact == "fact_order_items":
        out[ITEMS_WITHOUT_ORDER] = _result(
            key, ITEMS_WITHOUT_ORDER, c["items_without_order"], window, warn=True
        )
    if fact == "fact_orders":
        out[NET_REVENUE_RECONCILES] = _result(
            key,
            NET_REVENUE_RECONCILES,
            c["net_revenue_mismatches"],
            {**window, "orders_without_items": c["orders_without_items"]},
        )
        out[TOTAL_AMOUNT_IDENTITY] = _result(
            key, TOTAL_AMOUNT_IDENTITY, c["total_amount_violations"], window, warn=True
        )
        out[SUBTOTAL_IDENTITY] = _result(key, SUBTOTAL_IDENTITY, c["subtotal_violations"], window, warn=True)
        out[BEFORE_REGISTRATION] = _result(
            key, BEFORE_REGISTRATION, c["orders_before_registration"], window, warn=True
        )
        out[ORDERS_WITHOUT_ITEMS] = _result(
            key, ORDERS_WITHOUT_ITEMS, c["recognized_orders_without_items"], window, warn=True
        )
    return [out[name] for name in FACT_CHECKS[fact]]
