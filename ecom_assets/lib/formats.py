"""Numbers for people: one set of rules for the report, the dashboards and the PDF.

- counts with thousands separators (``2,015``: never a bare number that reads as a year);
- money with its currency and cents, rounded half-up as METRICS.md rounds money; headline
  figures (KPI tiles, page headers) without cents once they reach thousands (``$12.73M``,
  ``$845,310``), the exact value beside them where there is room;
- months as ``Oct 2025``, days as ``31 Oct 2026``;
- percentages with ``%``, and with their sign when they are a change or a return (``+45.1%``);
- ratios named as ratios and written as multiples (ROAS ``4.31×``), so a ratio is never read
  as a percentage;
- ordered categories (segments, churn levels, acquisition buckets) in their natural order.

The charts format in the browser with d3-format/d3-time-format; the ``D3_*`` strings are the
same rules in that language, and the tests hold the two to the same output.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

CURRENCY = "$"
NA = "n/a"
TIMES = "\u00d7"  # ×
MINUS = "\u2212"  # −, as d3-format writes negatives: the page and the report look alike

SEGMENT_ORDER = ("Premium", "Regular", "Budget")
CHURN_ORDER = ("Low", "Medium", "High", "No purchase")
BUCKET_ORDER = (
    "Before registration",
    "Same day",
    "Within week",
    "Within month",
    "After month",
    "No purchase",
)

# The same rules for Vega-Lite (d3-format, d3-time-format).
D3_COUNT = ",d"
D3_MONEY = "$,.2f"
D3_MONEY_WHOLE = "$,.0f"
D3_MONEY_AXIS = "$~s"  # $400k, $1.6M: axis labels stay short
D3_PERCENT = ".1f"  # of a 0-100 value; the axis or tooltip title says "%"
D3_RATIO = ".2f"
D3_MONTH = "%b %Y"
D3_DAY = "%-d %b %Y"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def count(value: object) -> str:
    """``12,345``."""
    return NA if _missing(value) else f"{int(value):,}"  # type: ignore[call-overload]


def money(value: object, cents: bool = True) -> str:
    """``$1,234.57`` (half-up), ``−$40.01``; ``cents=False``: ``$1,235``."""
    if _missing(value):
        return NA
    step = Decimal("0.01") if cents else Decimal("1")
    amount = _decimal(value).quantize(step, rounding=ROUND_HALF_UP)
    sign = MINUS if amount < 0 else ""
    return f"{sign}{CURRENCY}{abs(amount):,.{2 if cents else 0}f}"


def money_short(value: object) -> str:
    """A headline amount: ``$12.73M`` from a million, ``$845,310`` from ten thousand, else cents."""
    if _missing(value):
        return NA
    amount = _decimal(value)
    if abs(amount) >= 1_000_000:
        millions = (amount / 1_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{MINUS if millions < 0 else ''}{CURRENCY}{abs(millions):,}M"
    return money(amount, cents=abs(amount) < 10_000)


def percent(value: object, digits: int = 1, signed: bool = False) -> str:
    """``45.1%`` of a 0-100 value; ``signed``: ``+45.1%`` / ``−3.0%`` (a change, a return)."""
    if _missing(value):
        return NA
    return _signed(_decimal(value), digits, "+" if signed else "") + "%"


def ratio(value: object, digits: int = 2) -> str:
    """``4.31×``: a ratio (revenue per dollar of budget), never to be read as a percentage."""
    if _missing(value):
        return NA
    return _signed(_decimal(value), digits) + TIMES


def number(value: object, digits: int = 1) -> str:
    """A measurement that is neither money nor a count (days, units on average): ``1,234.5``."""
    if _missing(value):
        return NA
    return _signed(_decimal(value), digits)


def _signed(value: Decimal, digits: int, plus: str = "") -> str:
    number = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    sign = MINUS if number < 0 else (plus if number > 0 else "")
    return f"{sign}{abs(number):,.{digits}f}"


def month(value: dt.date | None) -> str:
    """``Oct 2025``."""
    return NA if value is None else f"{value:%b %Y}"


def day(value: dt.date | None) -> str:
    """``31 Oct 2026``: no reader mistakes the day for the month."""
    return NA if value is None else f"{value.day} {value:%b %Y}"


def natural_order(values: Iterable[str], order: Sequence[str]) -> list[str]:
    """``values`` in the category's own order; values it does not know follow, alphabetically."""
    rank = {v: i for i, v in enumerate(order)}
    return sorted(set(values), key=lambda v: (rank.get(v, len(order)), v))
