"""The time partitions of the event tables: one Dagster partition per calendar month.

Why monthly, by measurement (docs/BENCHMARKS.md): Dagster spends 20-35 ms of bookkeeping per
asset-partition, so a year of *daily* partitions over the 12 partitioned assets costs minutes
before any data moves, which breaks the 45 s demo target; a month per partition costs seconds.
Each Dagster partition mirrors one PostgreSQL partition of the fact tables. The daily schedule
refreshes the current month, and the staging/fact loads only redo the days whose input changed,
so a day's run costs in proportion to that day.

The partitions start at the first landed day (``ECOM_START_DATE`` overrides; without landed
data a fixed default), so the UI shows no empty months before the data. Dagster needs them when
the definitions load, so this reads the landing zone's folder names then (no file is opened).
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from ecom_assets.lib import settings, window


def partitions_start() -> dt.date:
    """Where the monthly partitions start: the one place it is decided (docs/DESIGN.md
    "Settings and layout" says why the landing zone is looked at when the definitions load)."""
    return (
        window.start_override()
        or window.first_landed_day()
        or dt.date.fromisoformat(settings.DEFAULT_START_DATE)
    )


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=month_start(partitions_start()).isoformat(),
    end_offset=1,  # include the month in progress: the daily schedule fills it day by day
)


def partition_key_for(day: dt.date) -> str:
    return month_start(day).isoformat()
