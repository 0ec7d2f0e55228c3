"""The accepted window for event dates (DATA_CONTRACT.md "Dates, days and the as-of date").

An event row (an order, its items, a clickstream event, an inventory snapshot) is accepted when
its day lies in ``[start, as_of]``: ``start`` is ``ECOM_START_DATE`` when set, else
``DEFAULT_HISTORY_YEARS`` before the as-of date. A row outside it is a reject whose rule names
the window, so a sentinel such as ``1900-01-01`` or ``1970-01-01``, or a date in the future,
never stretches the partitions, ``dim_date`` or a run.

Why 20 years: long enough for the order history an export carries (the tests backfill 15
years), short enough to refuse the common "unknown" sentinels (1900-01-01, 1970-01-01 and, from
a 2026 as-of date, 2000-01-01).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from ecom_assets.lib import landing, settings

DEFAULT_HISTORY_YEARS = 20


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date  # the as-of date, inclusive
    source: str  # where the start came from, for the rule text

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def rule(self) -> str:
        return f"outside the accepted window {self.start.isoformat()}..{self.end.isoformat()} ({self.source})"


def start_override() -> dt.date | None:
    value = os.environ.get(settings.ENV_START_DATE)
    return dt.date.fromisoformat(value) if value else None


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def first_landed_day(root: Path | None = None) -> dt.date | None:
    """The first landed event day inside the accepted window: where the time partitions start."""
    as_of = landing.as_of_date(root)
    return landing.first_day(root, not_before=accepted(as_of).start if as_of else None)


def accepted(as_of: dt.date) -> Window:
    """The window for data whose as-of date is ``as_of``."""
    override = start_override()
    if override is not None:
        return Window(override, as_of, f"{settings.ENV_START_DATE} to the as-of date")
    start = _years_before(as_of, DEFAULT_HISTORY_YEARS)
    return Window(start, as_of, f"{DEFAULT_HISTORY_YEARS} years before the as-of date to the as-of date")
