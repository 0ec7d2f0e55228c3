"""The analytics layer: one asset per ``analytics.*`` table of docs/METRICS.md.

Each table is built by the set-based SQL in ``sql/<table>.sql`` inside one transaction, so
readers see the previous version until the new one commits and the BI views over the tables
never break. A table that names the ``facts`` it reads is built incrementally: ``incremental.plan``
finds the fact days rebuilt since its last build, and its SQL recomputes only what those days
reach (``%(full)s``, ``%(days)s``, ``%(months)s``, ``%(as_of)s``); the first build, changed SQL or
``full_refresh`` rebuild it whole. The checks run in the same transaction on the rows just written.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd
import psycopg
from psycopg import sql
from pydantic import Field

from ecom_assets.defs.analytics import checks, contracts, incremental
from ecom_assets.defs.catalog import OWNERS, model_schema
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.lib import postgres

SQL_DIR = Path(__file__).parent / "sql"
GROUP = "analytics"
PREVIEW_ROWS = 10


def wh(name: str) -> dg.AssetKey:
    return dg.AssetKey(["warehouse", name])


def an(name: str) -> dg.AssetKey:
    return dg.AssetKey(["analytics", name])


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    deps: list[dg.AssetKey]
    # output column -> [(upstream asset, column)] for dagster/column_lineage
    lineage: dict[str, list[tuple[dg.AssetKey, str]]] = field(default_factory=dict)
    # incremental builds: the warehouse facts whose changed days the SQL recomputes (none: the
    # SQL rebuilds the table whole every time), how many days after a changed day it reaches,
    # a query returning a fingerprint of the dimension attributes it groups by (a change
    # rebuilds it whole), and the state tables it keeps beside the table (missing: full build)
    facts: tuple[str, ...] = ()
    reach: int = 0
    marker: str | None = None
    state_tables: tuple[str, ...] = ()
    # a table built from a shared template (sql/<template>.sql) with {{group}} set to ``group``
    template: str | None = None
    group: str | None = None
    # shared SQL functions the table's SQL calls (sql/<name>.sql, each CREATE OR REPLACE):
    # created before every build and part of the table's code version
    functions: tuple[str, ...] = ()
    # a table whose incremental build rewrites some rows: the temp table (one column, named as the
    # contract's key) where its SQL leaves their keys. The pandera contract then validates those
    # rows, and the whole-table checks run in SQL (checks.WHOLE_TABLE_RULES); a full build
    # validates every row.
    rebuilt_keys: str | None = None
    # summaries kept beside the table (sql/<name>.sql), rebuilt whole after every build of it, in
    # its transaction and after its as-of date is recorded, so they read the table as readers will
    after: tuple[str, ...] = ()


def table_sql(spec: TableSpec) -> str:
    """The SQL that builds ``analytics.<spec.name>``: its own file, or the template filled in.

    ``group`` names a column and tables, so it must be a plain lower-case identifier (it comes
    from this module, never from input)."""
    text = (SQL_DIR / f"{spec.template or spec.name}.sql").read_text(encoding="utf-8")
    if spec.template:
        if not re.fullmatch(r"[a-z_]+", spec.group or ""):
            raise ValueError(f"{spec.name}: group {spec.group!r} is not a plain identifier")
        text = text.replace("{{group}}", spec.group)
    return text


def functions_sql(spec: TableSpec) -> str:
    """The DDL of the shared functions ``spec``'s SQL calls ("" when none)."""
    return "".join((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8") for name in spec.functions)


def table_code(spec: TableSpec) -> str:
    """The code version of a table (``ops.analytics_builds.code``): the md5 of its SQL, after the
    shared functions it calls, so a change to either rebuilds it whole. (A table without
    functions keeps the md5 of its SQL alone.)"""
    return hashlib.md5((functions_sql(spec) + table_sql(spec)).encode()).hexdigest()


def _group_spec(group: str) -> TableSpec:
    """category_metrics / brand_metrics: the same statement over a product attribute."""
    return TableSpec(
        f"{group}_metrics",
        f"Sales, margin and stock by the current {group} of each product.",
        PRODUCT_DEPS,
        _product_lineage(group),
        facts=("fact_order_items", "fact_inventory"),
        # the state is grouped by each product's current {group}: a move rebuilds it whole
        marker=f"SELECT md5(coalesce(json_agg(json_build_array(product_id, coalesce({group}, 'Unknown')) "
        "ORDER BY product_id)::text, '')) FROM warehouse.dim_products WHERE is_current AND product_id <> 'UNKNOWN'",
        state_tables=(f"ops.{group}_month", f"ops.{group}_stock_month", f"ops.{group}_snapshot_days"),
        template="group_metrics",
        group=group,
    )


def _sales_lineage() -> dict[str, list[tuple[dg.AssetKey, str]]]:
    fo = wh("fact_orders")
    return {
        "orders": [(fo, "order_id"), (fo, "is_recognized")],
        "net_revenue": [(fo, "net_revenue"), (fo, "is_recognized")],
        "gross_profit": [(fo, "gross_profit"), (fo, "is_recognized")],
        "avg_order_value": [(fo, "net_revenue"), (fo, "order_id")],
        "unique_customers": [(fo, "customer_id")],
        "new_customers": [(fo, "customer_id"), (fo, "order_date")],
        "cancelled_orders": [(fo, "order_status")],
        "items_sold": [(fo, "units")],
    }


def _product_lineage(key: str) -> dict[str, list[tuple[dg.AssetKey, str]]]:
    fi, dp, inv = wh("fact_order_items"), wh("dim_products"), wh("fact_inventory")
    out = {
        "units_sold": [(fi, "quantity")],
        "orders": [(fi, "order_id")],
        "net_revenue": [(fi, "net_revenue")],
        "cogs": [(fi, "cogs")],
        "gross_profit": [(fi, "gross_profit")],
        "margin_pct": [(fi, "gross_profit"), (fi, "net_revenue")],
        "avg_on_hand_units": [(inv, "current_stock"), (inv, "snapshot_date")],
        "inventory_turnover": [(fi, "quantity"), (inv, "current_stock")],
    }
    if key == "product_id":
        out |= {
            "product_id": [(dp, "product_id")],
            "product_name": [(dp, "product_name")],
            "category": [(dp, "category")],
            "brand": [(dp, "brand")],
            "list_margin_pct": [(dp, "selling_price"), (dp, "cost_price")],
            "avg_rating": [(dp, "rating")],
            "days_of_supply": [(fi, "quantity"), (inv, "current_stock")],
        }
    else:
        out[key] = [(dp, key)]
        out["products"] = [(dp, "product_id")]
    return out


PRODUCT_DEPS = [wh("dim_products"), wh("fact_order_items"), wh("fact_inventory"), wh("fact_orders")]

TABLES: list[TableSpec] = [
    TableSpec(
        "daily_sales",
        "Sales per calendar day from the first order day to the as-of date (recognized orders only; "
        "cancelled/returned counted apart). Days without orders have zeros.",
        [wh("fact_orders")],
        {"sales_date": [(wh("fact_orders"), "order_date")], **_sales_lineage()},
        # new_customers reads ops.customer_totals (kept by customer_metrics) only when that state
        # has seen the same fact builds, else the facts: no dependency, so a failed customer
        # check does not hold back the sales tables
        facts=("fact_orders",),
        functions=("customer_first_days",),
    ),
    TableSpec(
        "monthly_sales",
        "Sales per calendar month with month-over-month net revenue growth %: the seasonal view.",
        [wh("fact_orders")],
        {"month": [(wh("fact_orders"), "order_date")], **_sales_lineage()},
        facts=("fact_orders",),
        functions=("customer_first_days",),
    ),
    TableSpec(
        "customer_metrics",
        "One row per customer (buyers or not): orders, net spend (historical CLV), first/last order, "
        "acquisition bucket and churn risk against the as-of date.",
        [wh("dim_customers"), wh("fact_orders")],
        {
            "customer_id": [(wh("dim_customers"), "customer_id")],
            "total_spent": [(wh("fact_orders"), "net_revenue")],
            "lifetime_value": [(wh("fact_orders"), "net_revenue")],
            "gross_profit": [(wh("fact_orders"), "gross_profit")],
            "customer_segment": [(wh("dim_customers"), "customer_segment")],
            "registration_date": [(wh("dim_customers"), "registration_date")],
            "days_to_first_purchase": [
                (wh("fact_orders"), "order_date"),
                (wh("dim_customers"), "registration_date"),
            ],
        },
        facts=("fact_orders",),
        state_tables=("ops.customer_day", "ops.customer_totals", "ops.customer_rows"),
        rebuilt_keys="customer_rebuilt",
        after=("customer_counts",),
    ),
    TableSpec(
        "segment_metrics",
        "One row per current customer segment: customers, buyers, lifetime value, shares and churn risk.",
        [an("customer_metrics")],
        {
            "customers": [(an("customer_metrics"), "customer_id")],
            "total_lifetime_value": [(an("customer_metrics"), "lifetime_value")],
            "avg_lifetime_value": [(an("customer_metrics"), "lifetime_value")],
            "high_churn_risk": [(an("customer_metrics"), "churn_risk")],
        },
    ),
    TableSpec(
        "product_metrics",
        "One row per product (sold or not): units, net revenue, point-in-time COGS, margins, stock, "
        "inventory turnover and days of supply.",
        PRODUCT_DEPS,
        _product_lineage("product_id"),
        facts=("fact_order_items", "fact_inventory"),
        state_tables=("ops.product_day", "ops.product_month", "ops.stock_month", "ops.product_snapshot_days"),
    ),
    _group_spec("category"),
    _group_spec("brand"),
    TableSpec(
        "campaign_attribution",
        "One row per campaign: platform-reported figures beside our 7-day last-touch attribution "
        "(orders, net revenue, gross profit, ROAS, ROI %). An order counts for one campaign at most.",
        [wh("dim_marketing_campaigns"), wh("fact_orders"), wh("fact_clickstream")],
        {
            "campaign_id": [(wh("dim_marketing_campaigns"), "campaign_id")],
            "attributed_orders": [(wh("fact_orders"), "order_id"), (wh("fact_clickstream"), "utm_campaign")],
            "attributed_revenue": [
                (wh("fact_orders"), "net_revenue"),
                (wh("fact_clickstream"), "utm_campaign"),
            ],
            "attributed_gross_profit": [(wh("fact_orders"), "gross_profit")],
            "roas": [(wh("fact_orders"), "net_revenue"), (wh("dim_marketing_campaigns"), "budget")],
        },
        facts=("fact_orders", "fact_clickstream"),
        reach=6,  # a touch counts for the orders of its day and the 6 days after it
        # what the attribution reads of the campaigns: a change recomputes every order
        marker="SELECT md5(coalesce(json_agg(json_build_array(campaign_id, start_date, end_date) "
        "ORDER BY campaign_id)::text, '')) FROM warehouse.dim_marketing_campaigns "
        "WHERE is_current AND campaign_id <> 'UNKNOWN'",
        state_tables=("ops.campaign_order",),
    ),
]


def require_as_of(conn: psycopg.Connection) -> object:
    """The as-of date from ``ops.run_context``; fails with a clear message when staging has not set it."""
    if conn.execute("SELECT to_regclass('ops.run_context')").fetchone()[0] is None:
        raise dg.Failure("ops.run_context does not exist: materialize the staging assets first.")
    row = conn.execute("SELECT as_of FROM ops.run_context").fetchone()
    if row is None:
        raise dg.Failure("ops.run_context holds no as-of date: materialize the staging assets first.")
    return row[0]


def column_schema(table: str) -> dg.TableSchema:
    model, _ = contracts.CONTRACTS[table]
    return model_schema(model, lambda c: c.metadata["pg"])


def preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "(empty)")


class AnalyticsConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description="Rebuild the table whole instead of only what the changed fact days reach.",
    )


def _count(conn: psycopg.Connection, table: str) -> int:
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("analytics", table))
    return conn.execute(query).fetchone()[0]


def build_table(
    warehouse: PostgresResource, spec: TableSpec, full_refresh: bool = False
) -> dg.MaterializeResult:
    """Build ``analytics.<table>`` (whole or incrementally) in one transaction and check it
    before the commit."""
    text = table_sql(spec)
    code = table_code(spec)
    with warehouse.get_connection() as conn:
        if spec.functions:
            # committed apart, before the build: in the build's transaction the function's catalog
            # row would stay locked to the end, and a table built side by side replacing it too
            # would wait for that, then fail
            incremental.ensure_functions(conn, functions_sql(spec))
            conn.commit()
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"analytics.{spec.name}",))
        as_of = require_as_of(conn)
        postgres.ensure_schemas(conn, ["analytics"])
        marker = conn.execute(spec.marker).fetchone()[0] if spec.marker else None
        delta = incremental.plan(
            conn, spec.name, spec.facts, code, as_of, marker, full_refresh, spec.state_tables
        )
        postgres.run_sql(conn, text, delta.params(spec.reach))
        incremental.record(conn, delta, spec.facts, code, marker)
        for name in spec.after:
            postgres.run_sql_file(conn, SQL_DIR / f"{name}.sql")
        # an incremental build of a table that rewrites some rows: read and check those
        keys = None if delta.full else spec.rebuilt_keys
        frame = contracts.read_table(conn, spec.name, keys)
        rows = len(frame) if keys is None else _count(conn, spec.name)
        results = checks.run_checks(conn, spec.name, frame, keys, rows)
    metadata: dict[str, object] = {
        "dagster/row_count": rows,
        "table": f"analytics.{spec.name}",
        "as_of": str(as_of),
        **(delta.metadata() if spec.facts else {"build": "full"}),
        **({} if keys is None else {"rows_rebuilt": len(frame)}),
        "preview": preview(frame),  # of the rows read: an incremental build's rewritten ones
        "dagster/column_schema": column_schema(spec.name),
    }
    if spec.lineage:
        metadata["dagster/column_lineage"] = dg.TableColumnLineage(
            deps_by_column={
                col: [dg.TableColumnDep(asset_key=k, column_name=c) for k, c in deps]
                for col, deps in spec.lineage.items()
            }
        )
    return dg.MaterializeResult(metadata=metadata, check_results=results)


def _make_asset(spec: TableSpec) -> dg.AssetsDefinition:
    key = an(spec.name)

    @dg.asset(
        key=key,
        description=spec.description,
        group_name=GROUP,
        kinds={"postgres", "sql"},
        owners=OWNERS,
        deps=spec.deps,
        check_specs=checks.specs_for(spec.name, key),
    )
    def _table(config: AnalyticsConfig, warehouse: PostgresResource) -> dg.MaterializeResult:
        return build_table(warehouse, spec, config.full_refresh)

    return _table


TABLE_ASSETS: list[dg.AssetsDefinition] = [_make_asset(spec) for spec in TABLES]
TABLE_KEYS: list[dg.AssetKey] = [an(spec.name) for spec in TABLES]
