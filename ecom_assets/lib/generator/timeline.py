"""When the shop trades: its opening, the default export window, and how busy each day is.

The shop opens on ``OPENING`` (its first registrations and orders), so an export that starts
there holds every customer's whole history: first purchases follow registrations instead of
piling up in the window's first month. ``ecom generate`` and ``ecom demo`` export from the
opening to the end of the last full month before today (``default_end``), so every monthly
partition the UI shows up to last month has data; ``--start/--end`` pick any other window of
the same shop (the shop itself never depends on the window or the clock).

Seasonality is multiplicative: a month factor (November-December peak), a weekday cycle,
Thanksgiving weekend (Black Friday and Cyber Monday double), the mid-December rush and the quiet
days after Christmas. Growth is not a factor here: it comes from the customer base (see
``customers``). Sign-ups have their own, flatter season and a launch wave after the opening.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

OPENING = dt.date(2025, 10, 1)
# Volumes are calibrated on the first 13 months (scale 1: 2,500 sign-ups, 12,000 orders, 75,000
# events exactly); any other day draws from the same rates.
REFERENCE_END = dt.date(2026, 10, 31)

# Hours of the day (local) when orders / sessions start; no traffic before 01:00 keeps sessions
# that end at an order's timestamp inside the order's day.
HOUR_WEIGHTS = np.array(
    [0, 0.3, 0.2, 0.15, 0.15, 0.3, 0.6, 1.2, 2.0, 2.8, 3.2, 3.4]
    + [3.6, 3.5, 3.3, 3.2, 3.3, 3.6, 4.0, 4.4, 4.6, 4.2, 3.2, 1.6],
    dtype=np.float64,
)
MONTH_FACTOR = (0, 0.82, 0.80, 0.90, 0.92, 0.96, 0.95, 0.90, 0.94, 0.92, 1.00, 1.38, 1.62)
WEEKDAY_FACTOR = (1.06, 1.04, 1.02, 1.00, 0.98, 0.92, 0.96)  # Monday .. Sunday
SIGNUP_MONTH_FACTOR = (0, 1.10, 0.95, 0.95, 0.95, 1.0, 0.95, 0.90, 0.95, 1.0, 1.05, 1.30, 1.20)
SIGNUP_GROWTH = 0.10  # a year
LAUNCH_BOOST, LAUNCH_DAYS = 4.0, 25.0  # sign-ups after the opening: 1 + 4 * exp(-days / 25)


def default_end(today: dt.date | None = None) -> dt.date:
    """The last day of the last full month before ``today`` (the default as-of date)."""
    today = today or dt.date.today()
    return max(today.replace(day=1) - dt.timedelta(days=1), OPENING)


def thanksgiving(year: int) -> dt.date:
    """The fourth Thursday of November (Black Friday is the day after)."""
    return dt.date(year, 11, 22 + (3 - dt.date(year, 11, 1).weekday()) % 7)


def season(ordinals: np.ndarray) -> np.ndarray:
    """Relative order (and traffic) volume per customer of each day: 0 before the opening."""
    out = np.empty(len(ordinals), dtype=np.float64)
    opening = OPENING.toordinal()
    for i, o in enumerate(ordinals):
        if o < opening:
            out[i] = 0.0
            continue
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
        out[i] = w
    return out


def signup_weight(ordinals: np.ndarray) -> np.ndarray:
    """Relative sign-ups per day: a launch wave, a mild season and 10 % growth a year."""
    days = np.asarray(ordinals, dtype=np.int64) - OPENING.toordinal()
    month = np.array([dt.date.fromordinal(int(o)).month for o in ordinals])
    w = np.asarray(SIGNUP_MONTH_FACTOR)[month] * (1 + SIGNUP_GROWTH * days / 365)
    return np.where(days >= 0, w * (1 + LAUNCH_BOOST * np.exp(-np.maximum(days, 0) / LAUNCH_DAYS)), 0.0)
