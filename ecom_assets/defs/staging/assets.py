"""Staging layer: landed CSV text -> typed ``staging.<table>`` rows that meet the contract.

One asset per source table. Each run loads the landed days of its window (unchanged days are
skipped by fingerprint), in one transaction: a failed load leaves the previous rows. Rows that
break the contract go to ``staging.<table>_rejects`` with file, line, column, value and rule.
The checks run in the same transaction and come back with the materialization.
"""

import datetime as dt

import dagster as dg
import psycopg
from psycopg import sql

from ecom_assets.defs.catalog import OWNERS, model_schema
from ecom_assets.defs.partitions import monthly_partitions
from ecom_assets.defs.resources import PostgresResource, partition_lock_names
from ecom_assets.defs.staging import checks, contract_check, load
from ecom_assets.defs.staging import ddl as staging_ddl
from ecom_assets.defs.staging.validate import PROBLEMS
from ecom_assets.lib import landing, values
from ecom_assets.lib import window as window_mod
from ecom_assets.lib.contracts import PG_TYPES, SOURCE_TABLES, SourceTable
from ecom_assets.lib.csv_reader import UnreadableFile


def column_schema(src: SourceTable) -> dg.TableSchema:
    """The contract as a Dagster ``TableSchema`` (defs/catalog.py), PostgreSQL types."""
    return model_schema(src.model, lambda c: PG_TYPES[c.metadata["kind"]], [src.key] if src.is_event else [])


def ensure_tables(warehouse: PostgresResource) -> None:
    """Create the staging tables in a short transaction of its own (idempotent, race-tolerant)."""
    for attempt in range(3):
        try:
            with warehouse.get_connection() as conn:
                staging_ddl.ensure_staging_tables(conn)
            return
        except psycopg.errors.UniqueViolation:  # another process created the same table just now
            if attempt == 2:
                raise


def _preview(conn: psycopg.Connection, src: SourceTable, window: checks.Window) -> str:
    cur = conn.execute(
        sql.SQL(checks.load_sql("preview.sql").strip().rstrip(";")).format(
            table=sql.Identifier("staging", src.name), window=window.where()
        ),
        window.params,
    )
    headers = [d.name for d in cur.description]
    return checks.markdown(headers, cur.fetchall(), limit=30)


def _first_rejects(conn: psycopg.Connection, src: SourceTable, window: checks.Window) -> str:
    rows = checks.query(
        conn,
        "first_rejects.sql",
        window.params,
        rejects=sql.Identifier("staging", f"{src.name}_rejects"),
        window=window.where(),
    )
    return checks.markdown(["source_file", "line", "column", "value", "rule"], rows)


def normalized_markdown(normalized: dict[str, list]) -> str:
    """Normalization classes with their counts and one example each."""
    rows = [
        (values.NORMALIZATIONS.get(code, code), f"{count:,}", ex)
        for code, (count, ex) in sorted(normalized.items(), key=lambda kv: -kv[1][0])
    ]
    return checks.markdown(["normalized", "cells", "example"], rows, limit=120)


def _reject_classes(conn: psycopg.Connection, src: SourceTable, window: checks.Window) -> str:
    rows = checks.reject_classes(conn, src.name, window)
    return checks.markdown(
        ["rejected for", "lines", "example"],
        [(PROBLEMS.get(c, c), f"{n:,}", ex) for c, n, ex in rows],
        limit=120,
    )


def _window(src: SourceTable) -> window_mod.Window | None:
    as_of = landing.as_of_date()
    return window_mod.accepted(as_of) if src.is_event and as_of is not None else None


def _staging_asset(src: SourceTable) -> dg.AssetsDefinition:
    key = dg.AssetKey(["staging", src.name])
    scope = (
        "Loads the landed days of the partition window; a day whose file is unchanged is skipped, a "
        "changed day is replaced."
        if src.is_event
        else "Holds every version of every landed export (exact duplicate versions collapse); "
        "replaced as a whole when any landed export changed."
    )
    description = (
        f"`staging.{src.name}`: the landed {src.name} rows typed by the source contract "
        f"(DATA_CONTRACT.md, pandera model {src.model.__name__}). Rows that break it go to "
        f"`staging.{src.name}_rejects` with the export file, line, column, value and rule. {scope}"
    )

    @dg.asset(
        key=key,
        deps=[dg.AssetKey(["raw", src.name])],
        group_name="staging",
        kinds={"postgres"},
        owners=OWNERS,
        description=description,
        partitions_def=monthly_partitions if src.is_event else None,
        backfill_policy=dg.BackfillPolicy.single_run() if src.is_event else None,
        check_specs=checks.check_specs(key),
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: PostgresResource) -> dg.MaterializeResult:
        if src.is_event:
            tw = context.partition_time_window
            start, end = tw.start.date(), tw.end.date()
            days = landing.landed_days(src.name, start, end)
            window = checks.Window(start, end)
            locks = partition_lock_names(key, tw)
        else:
            days = landing.landed_files(src.name)
            window = checks.Window()
            locks = [key.to_user_string()]
        ensure_tables(warehouse)
        try:
            with warehouse.get_connection() as conn:  # one transaction: load, as-of, checks
                # a second run of the same month waits here, then finds the days in the ledger
                # (without it both delete the old rows and both insert: every row twice)
                warehouse.lock(conn, *locks)
                stats = load.load_days(conn, src, days, _window(src))
                as_of = landing.as_of_date()
                if as_of is not None:
                    staging_ddl.set_as_of(conn, as_of)
                last = checks.last_outcomes(conn, src)
                if checks.unchanged_dimension(src, stats.days_loaded, last):
                    contract = checks.unchanged_result(checks.CONTRACT)
                    key_check = checks.unchanged_result(checks.PRIMARY_KEY)
                else:
                    key_days = checks.incremental_days(src, checks.PRIMARY_KEY, stats.days_loaded, last)
                    revalidate = checks.Window(window.start, window.end, tuple(stats.days_loaded))
                    contract = contract_check.contract_check(
                        conn, src, revalidate if src.is_event else window
                    )
                    key_check = checks.primary_key_check(conn, src, key_days)
                results = [
                    contract,
                    key_check,
                    checks.rows_accounted_check(conn, src, window),
                    checks.rejects_check(conn, src, window),
                ]
                checks.record_results(conn, src, results)
                counted = results[2].metadata
                preview = _preview(conn, src, window)
                rejects_md = _first_rejects(conn, src, window)
                classes_md = _reject_classes(conn, src, window)
                normalized = checks.normalized_in_window(conn, src, window)
        except UnreadableFile as exc:
            raise dg.Failure(description=str(exc)) from None
        context.log.info(
            f"staging.{src.name}: {len(stats.days_loaded)} file(s) loaded, {len(stats.days_skipped)} "
            f"unchanged; this load read {stats.rows_read:,}, staged {stats.rows_staged:,}, "
            f"rejected {stats.rows_rejected:,}, normalized {sum(c for c, _ in stats.normalized.values()):,} value(s)"
        )
        metadata = {
            "dagster/row_count": counted["rows_staged"].value,
            "rows_read": counted["rows_read"].value,
            "rejected_rows": counted["rows_rejected"].value,
            "rows_collapsed": counted["rows_collapsed"].value,
            "days_loaded": len(stats.days_loaded),
            "days_skipped": len(stats.days_skipped),
            "rows_read_this_run": stats.rows_read,
            "rejected_rows_this_run": stats.rows_rejected,
            "as_of": as_of.isoformat() if isinstance(as_of, dt.date) else "",
            "normalized_values": sum(c for c, _ in normalized.values()),
            "normalized": dg.MetadataValue.md(normalized_markdown(normalized)),
            "rejected_by_class": dg.MetadataValue.md(classes_md),
            "preview": dg.MetadataValue.md(preview),
            "first_rejects": dg.MetadataValue.md(rejects_md),
            "dagster/column_schema": column_schema(src),
        }
        return dg.MaterializeResult(metadata=metadata, check_results=results)

    return _asset


staging_assets = [_staging_asset(t) for t in SOURCE_TABLES.values()]
