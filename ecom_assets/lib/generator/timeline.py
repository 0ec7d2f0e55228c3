"""When the shop trades: the default period and how busy each day and hour is.

Seasonality is multiplicative: a month factor (November-December peak), a weekday cycle,
Thanksgiving weekend (Black Friday and Cyber Monday double), the mid-December rush and the
quiet days after Christmas, and slow growth. Orders and traffic follow the same weight.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

DEFAULT_START = dt.date(2025, 10, 1)
DEFAULT_END = dt.date(2026, 10, 31)

# Hours of the day (local) when orders / sessions start; no traffic before 01:00 keeps sessions
# that end at an order's timestamp inside the order's day.
HOUR_WEIGHTS = np.array(
    [0, 0.3, 0.2, 0.15, 0.15, 0.3, 0.6, 1.2, 2.0, 2.8, 3.2, 3.4]
    + [3.6, 3.5, 3.3, 3.2, 3.3, 3.6, 4.0, 4.4, 4.6, 4.2, 3.2, 1.6],
    dtype=np.float64,
)
MONTH_FACTOR = (0, 0.82, 0.80, 0.90, 0.92, 0.96, 0.95, 0.90, 0.94, 0.92, 1.00, 1.38, 1.62)
WEEKDAY_FACTOR = (1.06, 1.04, 1.02, 1.00, 0.98, 0.92, 0.96)  # Monday .. Sunday


def thanksgiving(year: int) -> dt.date:
    """The fourth Thursday of November (Black Friday is the day after)."""
    return dt.date(year, 11, 22 + (3 - dt.date(year, 11, 1).weekday()) % 7)


def day_weight(ordinal: np.ndarray) -> np.ndarray:
    """Relative order (and traffic) volume of each day: season, weekday, holidays, growth."""
    out = np.empty(len(ordinal), dtype=np.float64)
    for i, o in enumerate(ordinal):
        d = dt.date.fromordinal(int(o))
        w = MONTH_FACTOR[d.month] * WEEKDAY_FACTOR[d.weekday()]
        if d.month == 11:
            tg = thanksgiving(d.year).day
            if d.day in (tg + 1, tg + 4):  # Black Friday, Cyber Monday
                w *= 2.0
            elif tg + 1 < d.day <= tg + 3:
                w *= 1.4
        elif d.month == 12 and 10 <= d.day <= 20:
            w *= 1.15
        elif d.month == 12 and d.day >= 25:
            w *= 0.8
        out[i] = w * (1.0 + 0.08 * (o - DEFAULT_START.toordinal()) / 365.0)
    return out
