"""Raw layer: one asset per source table, observing the files waiting in the landing zone.

Nothing is copied here: the landing zone *is* the raw layer (``ecom import`` and the generator
fill it). Materializing a raw asset records which landed files its window holds (count, rows,
bytes, first and last day), so the UI shows what the staging load will read and a new
delivery is visible as new metadata.
"""

import datetime as dt
from pathlib import Path

import dagster as dg

from ecom_assets.defs.catalog import OWNERS
from ecom_assets.defs.partitions import monthly_partitions
from ecom_assets.lib import landing
from ecom_assets.lib.contracts import SOURCE_TABLES, SourceTable


def window_days(context: dg.AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """The ``[start, end)`` days of the run's partition window (works for ranges too)."""
    window = context.partition_time_window
    return window.start.date(), window.end.date()


def landed_rows(files: dict[dt.date, landing.LandedDay]) -> int:
    """Records of the landed days: Parquet says so in its footer; a CSV day file is counted once
    per file version (``landing.known_row_counts``)."""
    csv = [d.path for d in files.values() if d.rows is None]
    known = landing.known_row_counts(csv)
    counted = {p: landing.count_records(p) for p in csv if p not in known}
    if counted:
        landing.record_row_counts(counted)
    return (
        sum(d.rows for d in files.values() if d.rows is not None)
        + sum(known.values())
        + sum(counted.values())
    )


def describe_files(files: dict[dt.date, landing.LandedDay], folder: Path) -> dict[str, object]:
    rows = landed_rows(files)
    paths = {d.path for d in files.values()}
    size = sum(p.stat().st_size for p in paths)
    days = sorted(files)
    return {
        "dagster/row_count": rows,
        "rows": rows,
        "files": len(paths),
        "days": len(days),
        "bytes": size,
        "first_day": days[0].isoformat() if days else "",
        "last_day": days[-1].isoformat() if days else "",
        "landing_dir": dg.MetadataValue.path(str(folder)),
    }


def _raw_asset(src: SourceTable) -> dg.AssetsDefinition:
    kind = (
        "one Parquet file per month, each day a run of rows in it"
        if src.is_event
        else "one Parquet file per export (every version it holds)"
    )
    description = (
        f"The landed `{src.name}` rows ({kind}) in $ECOM_DATA_DIR/landing/{src.name}/, "
        "exactly as the export delivered them plus the export file name and line of each row. "
        "Materializing records which files, rows and bytes the window holds."
    )

    @dg.asset(
        key=["raw", src.name],
        group_name="raw",
        kinds={"csv"},
        owners=OWNERS,
        description=description,
        partitions_def=monthly_partitions if src.is_event else None,
        backfill_policy=dg.BackfillPolicy.single_run() if src.is_event else None,
    )
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        if src.is_event:
            start, end = window_days(context)
            files = landing.landed_days(src.name, start, end)
        else:
            files = landing.landed_files(src.name)
        metadata = describe_files(files, landing.table_dir(src.name))
        context.log.info(
            f"{src.name}: {metadata['days']} landed day(s) in {metadata['files']} file(s), {metadata['rows']:,} rows"
        )
        return dg.MaterializeResult(metadata=metadata)

    return _asset


raw_assets = [_raw_asset(t) for t in SOURCE_TABLES.values()]
