"""Dimension assets: SCD Type 2 dimensions rebuilt whole from every staged version, and dim_date.

Each dimension is one statement template (``sql/dim_scd2.sql``) filled from its ``DimSpec``;
surrogate keys are deterministic (hash of natural key and valid_from), so facts already loaded
stay valid. A dimension whose staged input is unchanged since its last build is not rebuilt.
"""

import datetime as dt
from collections.abc import Mapping

import dagster as dg
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from pydantic import Field

from ecom_assets.defs import run_values
from ecom_assets.defs.catalog import database_schema
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.warehouse import checks, meta
from ecom_assets.defs.warehouse.common import (
    GROUP,
    OWNERS,
    SQL,
    ensure_warehouse,
)
from ecom_assets.defs.warehouse.specs import DIMENSIONS, DimSpec
from ecom_assets.lib import postgres


def prune_changes(conn: psycopg.Connection) -> int:
    """Drop the change-log rows every consumer has passed (``dim_changes_retention.sql``);
    returns how many. One dimension build at a time prunes (the others skip: it is the same
    work), so two builds never delete the same rows."""
    if not conn.execute("SELECT pg_try_advisory_xact_lock(hashtext('ops.dim_changes retention'))").fetchone()[
        0
    ]:
        return 0
    seen = None
    if conn.execute("SELECT to_regclass('ops.customer_rows_seen')").fetchone()[0] is not None:
        seen = conn.execute("SELECT max(dim_change_id) FROM ops.customer_rows_seen").fetchone()[0]
    return SQL.run(conn, "dim_changes_retention.sql", {"customers_seen": seen})


def _dim_metadata(conn: psycopg.Connection, spec: DimSpec, counts: Mapping[str, int], changes: int) -> dict:
    current = conn.execute(
        sql.SQL("SELECT count(*) FROM {} WHERE is_current AND {} <> -1").format(
            sql.Identifier("warehouse", spec.name), sql.Identifier(spec.sk)
        )
    ).fetchone()[0]
    return {
        "dagster/row_count": counts["row_count"],
        "versions": counts["row_count"] - 1,
        "natural_keys": counts["natural_keys"] - 1,
        "current_rows": current,
        "changed_keys": dg.MetadataValue.int(changes),
        "preview": dg.MetadataValue.md(meta.preview(conn, "warehouse", spec.name, [spec.key, "valid_from"])),
        "dagster/column_schema": database_schema(conn, "warehouse", spec.name),
    }


class DimConfig(dg.Config):
    full_refresh: bool = Field(
        default=False, description="Rebuild even when the staged versions are unchanged."
    )


def build_dimension(
    warehouse: PostgresResource, spec: DimSpec, full_refresh: bool = False
) -> dg.MaterializeResult:
    """Rebuild one dimension in one transaction (unless its staged input is unchanged), log what
    changed, and check it."""
    ensure_warehouse(warehouse)
    dim = sql.Identifier("warehouse", spec.name)
    key = sql.Identifier(spec.key)
    code = spec.code_version
    with warehouse.get_connection() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (spec.name,))
        fp = SQL.one(conn, "dim_fingerprint.sql", {"code": code, "source": spec.source, "table": spec.name})
        rebuild = full_refresh or fp["fingerprint"] is None or fp["fingerprint"] != fp["built_fingerprint"]
        changes = 0
        if rebuild:
            SQL.run(conn, "dim_snapshot.sql", dim=dim, key=key)
            for statement in postgres.split_sql(spec.build_sql().as_string(conn)):
                conn.execute(statement)
            changes = SQL.run(conn, "dim_changes.sql", {"dim_name": spec.name}, dim=dim, key=key)
            postgres.analyze_if_stale(conn, f"warehouse.{spec.name}", changes)
            if fp["fingerprint"] is None:
                conn.execute("DELETE FROM ops.dim_builds WHERE table_name = %s", (spec.name,))
            else:
                conn.execute(
                    "INSERT INTO ops.dim_builds VALUES (%s, %s) ON CONFLICT (table_name) "
                    "DO UPDATE SET source_fingerprint = excluded.source_fingerprint",
                    (spec.name, fp["fingerprint"]),
                )
        pruned = prune_changes(conn)  # retention of ops.dim_changes, every build
        counts = None
        if not rebuild:  # unchanged since the build that counted these (same ledger fingerprint)
            counts = conn.execute(
                "SELECT check_counts FROM ops.dim_builds WHERE table_name = %s", (spec.name,)
            ).fetchone()[0]
        reused = counts is not None
        if counts is None:
            counts = SQL.one(
                conn,
                "dim_checks.sql",
                dim=dim,
                key=key,
                sk=sql.Identifier(spec.sk),
                attrs=sql.SQL(", ").join(sql.Identifier(a) for a in spec.attrs),
            )
            conn.execute(
                "UPDATE ops.dim_builds SET check_counts = %s WHERE table_name = %s",
                (Jsonb(counts), spec.name),
            )
        metadata = {
            **_dim_metadata(conn, spec, counts, changes),
            "rebuilt": rebuild,
            "change_log_rows_dropped": pruned,
            "checks_from": "the build this run skipped (dimension unchanged)" if reused else "this run",
        }
    return dg.MaterializeResult(
        metadata=metadata, check_results=checks.dim_check_results(spec.asset_key, counts)
    )


def _dimension_asset(spec: DimSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=spec.asset_key,
        deps=[dg.AssetKey(["staging", spec.source])],
        description=spec.description,
        group_name=GROUP,
        kinds={"postgres"},
        owners=OWNERS,
        check_specs=checks.dim_check_specs(spec.asset_key),
    )
    def _dimension(config: DimConfig, warehouse: PostgresResource) -> dg.MaterializeResult:
        return build_dimension(warehouse, spec, config.full_refresh)

    return _dimension


dim_customers = _dimension_asset(DIMENSIONS["dim_customers"])
dim_products = _dimension_asset(DIMENSIONS["dim_products"])
dim_marketing_campaigns = _dimension_asset(DIMENSIONS["dim_marketing_campaigns"])


class DimDateConfig(dg.Config):
    horizon_days: int = Field(
        default=365, description="Calendar days after the as-of date that dim_date covers."
    )
    end_date: str | None = Field(
        default=None, description="Last day of the calendar (YYYY-MM-DD); overrides horizon_days."
    )


@dg.asset(
    key=["warehouse", "dim_date"],
    deps=[dg.AssetKey(["staging", t]) for t in ("orders", "order_items", "clickstream", "inventory")],
    description="The calendar from the first staged event day to the as-of date plus a horizon "
    "(default 365 days): day, ISO week, month, quarter, year, names and a weekend flag.",
    group_name=GROUP,
    kinds={"postgres"},
    owners=OWNERS,
)
def dim_date(config: DimDateConfig, warehouse: PostgresResource) -> dg.MaterializeResult:
    ensure_warehouse(warehouse)
    with warehouse.get_connection() as conn:
        bounds = SQL.one(conn, "dim_date_range.sql", {"as_of": run_values.loaded_as_of(conn)})
        first, as_of = bounds.get("first_day"), bounds.get("as_of")
        start = first or as_of
        if config.end_date:
            end = dt.date.fromisoformat(config.end_date)
        else:
            end = (as_of or start) + dt.timedelta(days=config.horizon_days) if start else None
        if start is None or end is None:
            conn.execute("DELETE FROM warehouse.dim_date")
            rows = 0
        else:
            SQL.run(conn, "dim_date.sql", {"start": start, "end": end})
            rows = conn.execute("SELECT count(*) FROM warehouse.dim_date").fetchone()[0]
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "first_day": str(start),
                "last_day": str(end),
                "preview": dg.MetadataValue.md(meta.preview(conn, "warehouse", "dim_date", ["date"])),
                "dagster/column_schema": database_schema(conn, "warehouse", "dim_date"),
            }
        )
