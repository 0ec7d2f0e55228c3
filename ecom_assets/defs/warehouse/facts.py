"""Fact assets: monthly-partitioned facts that mirror PostgreSQL month partitions.

A run over a window rebuilds only the days whose input changed (``planning.py``), in batches of
months, each one transaction, built by ``ECOM_PG_SESSIONS`` sessions side by side, and checks the
window; the check results travel with the materialization.
"""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import dagster as dg
import psycopg
from psycopg import sql
from pydantic import Field

from ecom_assets.defs.catalog import database_schema
from ecom_assets.defs.partitions import monthly_partitions
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.warehouse import checks, meta
from ecom_assets.defs.warehouse.common import GROUP, OWNERS, SQL, ensure_warehouse
from ecom_assets.defs.warehouse.planning import (
    DayPlan,
    advance_ledger,
    load_new_partition,
    max_dim_change,
    month_starts,
    partition_exists,
    plan_days,
)
from ecom_assets.defs.warehouse.specs import FACTS, FactSpec
from ecom_assets.lib import settings


class FactConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description="Rebuild every day of the window, not only the days whose input changed.",
    )
    check_window: bool = Field(
        default=True,
        description="Run the checks over the whole window; false checks only the span of the "
        "rebuilt days, so a daily run's checks cost the day, not the month or the history.",
    )


# A window of more months is written and checked in batches of this many months, each batch one
# transaction (its days replaced, its ledger rows and its checks): creating 180 month partitions with
# their indexes in one transaction held 4,357 locks at once (a 15-year backfill, measured with
# pg_locks), against 6,400 lock slots in all on a stock PostgreSQL (max_locks_per_transaction 64 x
# max_connections 100). A batch holds about 25 locks per month. A failure keeps the batches already
# committed: their days are in the ledger, so the next run starts where this one stopped.
# With several sessions (settings.pg_sessions) the batches are single months, built side by side
# by a pool of sessions: months share nothing a transaction writes (their days, their ledger rows,
# their partition), and what they share is locked so that they do not wait on each other for long
# (see _build_batch). Measured on the scale-100 history (13 months): see docs/SCALING.md.
BATCH_MONTHS = 12


def _batches(start: dt.date, end: dt.date, size: int = BATCH_MONTHS) -> list[tuple[dt.date, dt.date]]:
    months = month_starts(start, end)
    out = []
    for i in range(0, len(months), size):
        first = max(months[i], start)
        after = months[i + size] if i + size < len(months) else end
        out.append((first, min(after, end)))
    return out


def fact_lock_names(spec: FactSpec, start: dt.date, end: dt.date) -> list[str]:
    """The advisory lock names of a fact's months in ``[start, end)``: ``"fact_orders:2026-11-01"``."""
    return [f"{spec.name}:{month.isoformat()}" for month in month_starts(start, end)]


def _build_batch(
    conn: psycopg.Connection, config: FactConfig, spec: FactSpec, start: dt.date, end: dt.date
) -> tuple[list[dt.date], DayPlan, dict[str, int], tuple[dt.date, dt.date]]:
    """Replace the changed days of ``[start, end)`` and check the range: one transaction."""
    fact = sql.Identifier("warehouse", spec.name)
    date_col = sql.Identifier(spec.date_column)
    # One advisory lock per month of the batch, not one per table: a run per month (run queue,
    # ``ecom run --per-month``) builds the same fact for other months side by side. What two
    # months share is safe without it: their ledger rows (ops.fact_builds) are keyed by day, and
    # ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the parent, so two new months attach one
    # after the other, while a DELETE/INSERT of other months (ROW EXCLUSIVE) does not conflict.
    # Two runs of the *same* month (a daily run beside a backfill) still serialise here.
    for name in sorted(fact_lock_names(spec, start, end)):
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))
    new_months = [m for m in month_starts(start, end) if not partition_exists(conn, spec.name, m)]
    max_change = max_dim_change(conn)
    plan = plan_days(conn, spec, start, end, max_change, config.full_refresh)
    built_days = [d for d in plan.rebuild if d not in set(plan.gone)]
    if plan.rebuild:
        SQL.run(conn, "fact_delete.sql", {"days": plan.rebuild}, fact=fact, date_col=date_col)
    old_days = [d for d in built_days if d.replace(day=1) not in new_months]
    if old_days:
        SQL.run(conn, f"{spec.name}.sql", {"days": old_days}, target=fact)
    for month in new_months:
        load_new_partition(conn, spec, month, [d for d in built_days if d.replace(day=1) == month])
    SQL.run(
        conn,
        "fact_ledger.sql",
        {
            "table": spec.name,
            "days": built_days,
            "fingerprints": plan.fingerprints,
            "gone": plan.gone,
            "max_change": max_change,
            "start": start,
            "end": end,
        },
        fact=fact,
        date_col=date_col,
    )
    checked = (start, end)
    if not config.check_window:
        checked = (end, end) if not built_days else (min(built_days), max(built_days) + dt.timedelta(days=1))
    counts = SQL.one(conn, f"checks_{spec.name}.sql", {"start": checked[0], "end": checked[1]})
    return built_days, plan, counts, checked


def build_fact(
    context: dg.AssetExecutionContext, config: FactConfig, warehouse: PostgresResource, spec: FactSpec
) -> dg.MaterializeResult:
    """Replace the changed days of the window and check it, a batch of months per transaction, the
    batches on ``ECOM_PG_SESSIONS`` sessions side by side; then advance the ledger marks of the
    days outside the window (planning.advance_ledger) once."""
    window = context.partition_time_window
    start, end = window.start.date(), window.end.date()
    ensure_warehouse(warehouse)
    built_days: list[dt.date] = []
    plan = DayPlan([], [], [], 0, 0)
    counts: dict[str, int] = {}
    checked: list[tuple[dt.date, dt.date]] = []
    sessions = settings.pg_sessions()
    batches = _batches(start, end, 1 if sessions > 1 else BATCH_MONTHS)

    def build(batch: tuple[dt.date, dt.date]) -> tuple:
        with warehouse.get_connection() as conn:
            return _build_batch(conn, config, spec, *batch)

    if sessions > 1 and len(batches) > 1:
        with ThreadPoolExecutor(max_workers=min(sessions, len(batches))) as pool:
            results = list(pool.map(build, batches))
    else:
        results = [build(b) for b in batches]
    for days, part, batch_counts, batch_checked in results:
        built_days += days
        plan.gone += part.gone
        plan.skipped += part.skipped
        plan.dim_dirty += part.dim_dirty
        counts = {k: counts.get(k, 0) + int(v or 0) for k, v in batch_counts.items()}
        if batch_checked[0] < batch_checked[1]:
            checked.append(batch_checked)
    built_days.sort()
    with warehouse.get_connection() as conn:  # after every batch: one transaction, not one per month
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{spec.name}:advance",))
        advance_ledger(conn, spec, start, end, max_dim_change(conn))
    bounds = {"start": start, "end": end}
    checked_range = (min(c[0] for c in checked), max(c[1] for c in checked)) if checked else (end, end)
    window_meta = {
        "partition_window": f"{start.isoformat()}..{end.isoformat()} (end exclusive)",
        "checked_range": f"{checked_range[0].isoformat()}..{checked_range[1].isoformat()} (end exclusive)",
    }
    date_col = sql.Identifier(spec.date_column)
    in_window = sql.SQL("{} >= %(start)s AND {} < %(end)s").format(date_col, date_col)
    with warehouse.get_connection() as conn:
        row_count = counts["fact_rows"]
        if checked_range != (start, end):
            row_count = conn.execute(  # the ledger's count: no scan of the window
                "SELECT coalesce(sum(rows_built), 0)::bigint FROM ops.fact_builds "
                "WHERE table_name = %(table)s AND day >= %(start)s AND day < %(end)s",
                {"table": spec.name, **bounds},
            ).fetchone()[0]
        metadata = {
            "dagster/row_count": row_count,
            **window_meta,
            "days_rebuilt": len(built_days),
            "days_removed": len(plan.gone),
            "days_skipped": plan.skipped,
            "days_rebuilt_for_dimension_changes": plan.dim_dirty,
            "rebuilt_days": meta.days_text(built_days),
            "full_refresh": config.full_refresh,
            "preview": dg.MetadataValue.md(
                meta.preview(conn, "warehouse", spec.name, spec.preview_order, in_window, bounds)
            ),
            "dagster/column_schema": database_schema(conn, "warehouse", spec.name),
            "dagster/column_lineage": meta.column_lineage(spec.lineage),
        }
    context.log.info(
        "%s %s..%s: rebuilt %d days, skipped %d, removed %d",
        spec.name, start, end, len(built_days), plan.skipped, len(plan.gone),
    )  # fmt: skip
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=checks.fact_check_results(spec.asset_key, spec.name, counts, window_meta),
    )


def _fact_asset(spec: FactSpec) -> dg.AssetsDefinition:
    deps = [dg.AssetKey(["staging", s]) for s in spec.sources]
    deps += [dg.AssetKey(["warehouse", d]) for d, _ in spec.dims]
    if spec.upstream_fact:
        deps.append(dg.AssetKey(["warehouse", spec.upstream_fact]))

    @dg.asset(
        key=spec.asset_key,
        deps=deps,
        description=spec.description,
        group_name=GROUP,
        kinds={"postgres"},
        owners=OWNERS,
        partitions_def=monthly_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=checks.fact_check_specs(spec.asset_key, spec.name),
    )
    def _fact(
        context: dg.AssetExecutionContext, config: FactConfig, warehouse: PostgresResource
    ) -> dg.MaterializeResult:
        return build_fact(context, config, warehouse, spec)

    return _fact


fact_order_items = _fact_asset(FACTS["fact_order_items"])
fact_orders = _fact_asset(FACTS["fact_orders"])
fact_clickstream = _fact_asset(FACTS["fact_clickstream"])
fact_inventory = _fact_asset(FACTS["fact_inventory"])
