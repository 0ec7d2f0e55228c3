"""Marketing campaigns: a seasonal calendar, channels, budgets, platform reports, UTM tags.

Each year runs the retail calendar's campaigns (Valentine's, Easter, Mother's Day, Prime Days,
Back to School, Black Friday, Holiday Gifts, ...), each on one to three channels, so a
campaign's name says its season and year and its dates fall in that season ("Summer Kickoff
2026" runs from late May to the solstice). The opening year starts with a Grand Opening.
A year's campaigns are drawn from their own seed, so a longer window adds campaigns without
changing earlier ones.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.generator import columns as col
from ecom_assets.lib.generator.timeline import OPENING, thanksgiving

S_CAMPAIGNS = 4

CHANNELS = ("Google Ads", "Facebook", "Instagram", "Email", "TikTok", "Affiliate")
CHANNEL_WEIGHTS = (0.30, 0.22, 0.16, 0.14, 0.10, 0.08)
CHANNEL_CPC = ((0.8, 2.6), (0.5, 1.6), (0.6, 1.8), (0.05, 0.2), (0.3, 1.2), (0.4, 1.5))  # $ per click
CHANNEL_UTM = (
    ("google", "cpc"),
    ("facebook", "paid_social"),
    ("instagram", "paid_social"),
    ("newsletter", "email"),
    ("tiktok", "paid_social"),
    ("partner", "affiliate"),
)
CHANNEL_REFERRERS = (
    "https://www.google.com/",
    "https://www.facebook.com/",
    "https://www.instagram.com/",
    "https://mail.example.com/",
    "https://www.tiktok.com/",
    "https://deals.partner.com/",
)
AUDIENCES = (
    "All Customers",
    "New Visitors",
    "Returning Customers",
    "Premium Members",
    "Lapsed Buyers",
    "Young Adults 18-34",
    "Parents",
    "Tech Enthusiasts",
)
OBJECTIVES = ("Awareness", "Traffic", "Conversions", "Retention", "Engagement")
BASE_BUDGET = 14_000  # dollars of an average campaign at scale 1


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _easter(year: int) -> dt.date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    return dt.date(year, month, (h + l_ - 7 * m + 114) % 31 + 1)


def _d(month: int, day: int) -> Callable[[int], dt.date]:
    return lambda y: dt.date(y, month, day)


@dataclass(frozen=True)
class Theme:
    """A campaign of the retail calendar: its name, when it runs in year Y, how many channels
    (at scale 1) and how much weight its budget carries."""

    name: str
    start: Callable[[int], dt.date]
    end: Callable[[int], dt.date]
    channels: int
    weight: float


THEMES: tuple[Theme, ...] = (
    Theme("New Year Deals", lambda y: dt.date(y - 1, 12, 27), _d(1, 10), 1, 0.8),
    Theme("Fitness Month", _d(1, 2), _d(1, 31), 1, 0.7),
    Theme("Winter Clearance", _d(1, 12), _d(2, 8), 1, 0.8),
    Theme("Valentine's Picks", _d(1, 31), _d(2, 14), 1, 0.8),
    Theme("Spring Refresh", _d(3, 9), _d(4, 5), 1, 0.8),
    Theme(
        "Easter Sale",
        lambda y: _easter(y) - dt.timedelta(days=12),
        lambda y: _easter(y) + dt.timedelta(days=1),
        1,
        0.7,
    ),  # fmt: skip
    Theme(
        "Mother's Day",
        lambda y: _nth_weekday(y, 5, 6, 2) - dt.timedelta(days=16),
        lambda y: _nth_weekday(y, 5, 6, 2),
        2,
        1.0,
    ),  # fmt: skip
    Theme("Summer Kickoff", _d(5, 22), _d(6, 21), 1, 0.9),
    Theme(
        "Father's Day",
        lambda y: _nth_weekday(y, 6, 6, 3) - dt.timedelta(days=14),
        lambda y: _nth_weekday(y, 6, 6, 3),
        1,
        0.8,
    ),  # fmt: skip
    Theme("Prime Days", _d(7, 7), _d(7, 17), 2, 1.1),
    Theme("Back to School", _d(7, 24), _d(8, 31), 2, 1.0),
    Theme(
        "Labor Day",
        lambda y: _nth_weekday(y, 9, 0, 1) - dt.timedelta(days=7),
        lambda y: _nth_weekday(y, 9, 0, 1),
        1,
        0.8,
    ),  # fmt: skip
    Theme("Fall Launch", _d(9, 10), _d(10, 12), 1, 0.9),
    Theme("Halloween Deals", _d(10, 16), _d(10, 31), 1, 0.7),
    Theme(
        "Black Friday",
        lambda y: thanksgiving(y) - dt.timedelta(days=6),
        lambda y: thanksgiving(y) + dt.timedelta(days=3),
        3,
        1.6,
    ),  # fmt: skip
    Theme(
        "Cyber Week",
        lambda y: thanksgiving(y) + dt.timedelta(days=4),
        lambda y: thanksgiving(y) + dt.timedelta(days=10),
        2,
        1.3,
    ),  # fmt: skip
    Theme("Holiday Gifts", _d(12, 1), _d(12, 23), 3, 1.4),
)
GRAND_OPENING = Theme("Grand Opening", lambda y: OPENING, lambda y: OPENING + dt.timedelta(days=30), 3, 1.5)


def year_themes(year: int) -> list[Theme]:
    """The calendar's campaigns labelled ``year`` that start at or after the opening."""
    themes = [t for t in THEMES if t.start(year) >= OPENING]
    return ([GRAND_OPENING] if year == OPENING.year else []) + themes


class Campaigns:
    """Campaigns numbered year by year in start order; a landing page view of campaign traffic
    carries ``utm_campaign=<campaign_id>`` (DATA_CONTRACT.md)."""

    def __init__(self, seed: int, growth: float, budget_scale: float) -> None:
        self.seed, self.growth, self.budget_scale = seed, growth, budget_scale
        per_year = sum(max(1, round(t.channels * growth)) for t in THEMES)
        self.width = max(3, len(str(per_year * 25)))
        self._years: list[dict[str, object]] = []
        self.until = -1

    def ensure(self, ordinal: int) -> None:
        """Plan every campaign labelled up to the year after ``ordinal`` (adds years only)."""
        last_year = dt.date.fromordinal(ordinal).year + 1
        added = False
        while not self._years or self._years[-1]["year"] < last_year:
            year = self._years[-1]["year"] + 1 if self._years else OPENING.year
            first = sum(len(y["start"]) for y in self._years)
            self._years.append(self._year(int(year), first))
            added = True
        if added:
            self._join()

    def _join(self) -> None:
        ys = self._years
        self.start = np.concatenate([y["start"] for y in ys])
        self.end = np.concatenate([y["end"] for y in ys])
        self.channel = np.concatenate([y["channel"] for y in ys])
        self.budget = np.concatenate([y["budget"] for y in ys])
        self.effect = np.concatenate([y["effect"] for y in ys])
        self.daily_spend = self.budget / (self.end - self.start + 1)
        self.ids = pa.concat_arrays([y["ids"] for y in ys])
        self.table = pa.concat_tables([y["table"] for y in ys])
        self.table_start = np.concatenate([y["table_start"] for y in ys])
        self.table_end = np.concatenate([y["table_end"] for y in ys])
        channel_src = pa.array([f"utm_source={s}&utm_medium={m}" for s, m in CHANNEL_UTM])
        self.utm = col.join("?", col.take(channel_src, self.channel), "&utm_campaign=", self.ids)

    def typical_spend(self) -> float:
        """Spend per day of the campaigns labelled with the opening year and the next (cents): where
        paid traffic is half its ceiling (fixed by those years, so later ones never change a day)."""
        first, second = self._years[0], self._years[1]
        days = dt.date(int(second["year"]), 12, 31).toordinal() - OPENING.toordinal() + 1
        return float(first["budget"].sum() + second["budget"].sum()) / days

    def active(self, ordinal: int) -> np.ndarray:
        """The campaigns running on a day (their index)."""
        return np.flatnonzero((self.start <= ordinal) & (ordinal <= self.end))

    def _year(self, year: int, first: int) -> dict[str, object]:
        gen = col.rng(self.seed, S_CAMPAIGNS, year)
        names, starts, ends, channels, weights, audiences = [], [], [], [], [], []
        for theme in year_themes(year):
            k = max(1, round(theme.channels * self.growth))
            order = gen.choice(len(CHANNELS), size=min(k, len(CHANNELS)), replace=False, p=CHANNEL_WEIGHTS)
            picks = [int(order[i % len(order)]) for i in range(k)]
            aud = gen.permutation(len(AUDIENCES))
            for i, ch in enumerate(picks):
                repeat = i >= len(order)  # more campaigns than channels: told apart by audience
                a = int(aud[i % len(AUDIENCES)])
                label = f"{theme.name} {year} - {CHANNELS[ch]}" + (f" ({AUDIENCES[a]})" if repeat else "")
                names.append(label)
                start, end = theme.start(year), theme.end(year)
                jitter = int(gen.integers(0, 3))
                starts.append(start.toordinal() + jitter)
                ends.append(end.toordinal())
                channels.append(ch)
                weights.append(theme.weight)
                audiences.append(a)
        seen: dict[str, int] = {}
        for i, name in enumerate(names):  # unique names even past 24 campaigns of one theme and year
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                names[i] = f"{name} #{seen[name]}"
        k = len(names)
        start, end = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
        sort = np.lexsort((np.arange(k), start))
        start, end = start[sort], end[sort]
        channel = np.array(channels, dtype=np.int64)[sort]
        audience = np.array(audiences, dtype=np.int64)[sort]
        names = [names[i] for i in sort]
        weight = np.array(weights)[sort]
        budget_usd = BASE_BUDGET * self.budget_scale * weight * gen.uniform(0.5, 1.6, k)
        budget = np.maximum(np.round(budget_usd / 100), 1).astype(np.int64) * 10_000  # whole hundreds, cents
        ids = col.ids("CAMP_", np.arange(first + 1, first + k + 1), self.width)
        lo = np.array([CHANNEL_CPC[c][0] for c in channel])
        hi = np.array([CHANNEL_CPC[c][1] for c in channel])
        cpc_usd = gen.uniform(lo, hi)
        clicks = np.maximum(np.round(budget / 100 / cpc_usd), 1).astype(np.int64)
        impressions = clicks * gen.integers(25, 90, k)
        conversions = np.round(clicks * gen.uniform(0.01, 0.05, k)).astype(np.int64)
        cpc = np.round(budget * 100 / clicks).astype(np.int64)  # 10**-4 dollars
        conv_rate = np.round(conversions / clicks * 10_000).astype(np.int64)
        roi = np.round(gen.normal(1.2, 0.9, k) * 10_000).astype(np.int64)  # the platform's own ratio
        effect = gen.lognormal(0.0, 0.45, k)  # how well a campaign converts, beyond its spend
        created = start - gen.integers(5, 30, k)
        created_sec = gen.integers(3_600, 86_400, k)

        # ~12 % get more budget half way through: a second version.
        changed = np.flatnonzero(gen.random(k) < 0.12)
        change_day = start[changed] + (end[changed] - start[changed]) // 2
        new_budget = (budget[changed] * gen.uniform(1.1, 1.5, len(changed)) // 10_000 * 10_000).astype(
            np.int64
        )
        change_sec = gen.integers(3_600, 86_400, len(changed))
        rows, _, order = col.versions(k, changed)
        ix = pa.array(rows)
        table = pa.table(
            {
                "campaign_id": pc.take(ids, ix),
                "campaign_name": pc.take(pa.array(names, type=pa.string()), ix),
                "channel": col.take(pa.array(CHANNELS), channel[rows]),
                "start_date": col.dates(start[rows]),
                "end_date": col.dates(end[rows]),
                "budget": col.money(np.concatenate([budget, new_budget])[order]),
                "target_audience": col.take(pa.array(AUDIENCES), audience[rows]),
                "objective": col.take(pa.array(OBJECTIVES), gen.integers(0, len(OBJECTIVES), k)[rows]),
                "impressions": pa.array(impressions[rows]),
                "clicks": pa.array(clicks[rows]),
                "conversions": pa.array(conversions[rows]),
                "cost_per_click": col.money(cpc[rows], scale=4, precision=12),
                "conversion_rate": col.money(conv_rate[rows], scale=4, precision=12),
                "roi": col.money(roi[rows], scale=4, precision=12),
                "is_active": col.bools(np.ones(len(rows), dtype=bool)),  # set per export (as_of)
                "created_at": col.timestamps(created[rows], created_sec[rows]),
                "updated_at": col.timestamps(
                    np.concatenate([created, change_day])[order],
                    np.concatenate([created_sec, change_sec])[order],
                ),
            }
        )
        return {
            "year": year,
            "start": start,
            "end": end,
            "channel": channel,
            "budget": budget,
            "effect": effect,
            "ids": ids,
            "table": table,
            "table_start": start[rows],
            "table_end": end[rows],
        }


def growth_of(scale: float) -> float:
    """Campaigns (and products) grow with the square root of the scale above 1."""
    return math.sqrt(max(scale, 1.0))
