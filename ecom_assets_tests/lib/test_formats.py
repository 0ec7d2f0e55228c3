"""Numbers for people: the Python rules (report, tiles, PDF headers) and the d3 rules the charts
use (the same rules written for the browser) give the same text."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import vl_convert as vlc

from ecom_assets.lib import formats as fmt

M = fmt.MINUS


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("2.345"), "$2.35"),  # half-up, not banker's rounding
        (Decimal("2.325"), "$2.33"),
        (Decimal("1234567.8"), "$1,234,567.80"),
        (Decimal("-40.005"), f"{M}$40.01"),
        (None, "n/a"),
    ],
)
def test_money(value: Decimal | None, text: str) -> None:
    assert fmt.money(value) == text


def test_headline_money_drops_the_cents_once_they_stop_mattering() -> None:
    assert fmt.money_short(Decimal("12727413.30")) == "$12.73M"
    assert fmt.money_short(Decimal("845310.45")) == "$845,310"
    assert fmt.money_short(Decimal("9999.99")) == "$9,999.99"
    assert fmt.money_short(Decimal("-2500000")) == f"{M}$2.50M"


def test_counts_months_days_percentages_and_ratios() -> None:
    assert fmt.count(2015) == "2,015"  # never a bare number that reads as a year
    assert fmt.month(dt.date(2025, 10, 1)) == "Oct 2025"
    assert fmt.day(dt.date(2026, 10, 31)) == "31 Oct 2026"
    assert fmt.percent(Decimal("45.14")) == "45.1%"
    assert fmt.percent(Decimal("45.15"), signed=True) == "+45.2%"  # a change carries its sign
    assert fmt.percent(-3, signed=True) == f"{M}3.0%"
    assert fmt.percent(0, signed=True) == "0.0%"
    assert fmt.ratio(Decimal("4.3149")) == "4.31\u00d7"  # a ratio is a multiple, not a percent
    assert fmt.number(Decimal("1234.56")) == "1,234.6"
    assert [fmt.count(None), fmt.percent(None), fmt.ratio(float("nan")), fmt.month(None)] == ["n/a"] * 4


def test_ordered_categories_keep_their_order() -> None:
    buckets = ["No purchase", "After month", "Same day", "Within week", "Within month"]
    assert fmt.natural_order(buckets, fmt.BUCKET_ORDER) == [
        "Same day",
        "Within week",
        "Within month",
        "After month",
        "No purchase",
    ]
    assert fmt.natural_order(["Budget", "VIP", "Premium", "Regular"], fmt.SEGMENT_ORDER) == [
        "Premium",
        "Regular",
        "Budget",
        "VIP",  # unknown values after the known ones
    ]


def test_the_charts_d3_rules_write_what_the_python_rules_write() -> None:
    """Render the d3 formats in Vega itself (vl-convert) and compare with the Python text."""
    cases = [
        (fmt.D3_COUNT, 2015, fmt.count(2015)),
        (fmt.D3_MONEY, 1234567.8, fmt.money(Decimal("1234567.8"))),
        (fmt.D3_MONEY, -40.2, fmt.money(Decimal("-40.2"))),
        (fmt.D3_MONEY_WHOLE, 845310.4, fmt.money(Decimal("845310.4"), cents=False)),
        (fmt.D3_PERCENT, 45.14, fmt.percent(Decimal("45.14")).rstrip("%")),
        ("+" + fmt.D3_PERCENT, -3.0, fmt.percent(-3, signed=True).rstrip("%")),
        ("+" + fmt.D3_PERCENT, 12.25, fmt.percent(Decimal("12.26"), signed=True).rstrip("%")),
        (fmt.D3_RATIO, 4.3149, fmt.ratio(Decimal("4.3149")).rstrip(fmt.TIMES)),
    ]
    values = [{"i": i, "v": v, "f": f} for i, (f, v, _) in enumerate(cases)]
    values += [
        {"i": 100, "d": "2025-10-01", "f": fmt.D3_MONTH},
        {"i": 101, "d": "2026-10-31", "f": fmt.D3_DAY},
    ]
    spec = {
        "data": {"values": values},
        "transform": [
            {
                "calculate": "datum.d ? utcFormat(toDate(datum.d), datum.f) : format(datum.v, datum.f)",
                "as": "t",
            },
            {"calculate": "'<' + datum.i + '>' + datum.t", "as": "label"},
        ],
        "mark": "text",
        "encoding": {"text": {"field": "label"}, "y": {"field": "i", "type": "ordinal"}},
    }
    svg = vlc.vegalite_to_svg(spec, vl_version="6.4")
    shown = dict(re.findall(r">&lt;(\d+)&gt;([^<]*)</text>", svg))
    for i, (_, _, text) in enumerate(cases):
        assert shown[str(i)] == text, (cases[i], shown[str(i)])
    assert shown["100"] == fmt.month(dt.date(2025, 10, 1))
    assert shown["101"] == fmt.day(dt.date(2026, 10, 31))
