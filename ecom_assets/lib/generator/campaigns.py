"""Marketing campaigns: channel, dates, budget, what the ad platform reported, and UTM tags."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.generator import columns as col

S_CAMPAIGNS = 4

CHANNELS = ("Google Ads", "Facebook", "Instagram", "Email", "TikTok", "Affiliate")
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
CAMPAIGN_THEMES = (
    "Fall Launch",
    "Black Friday",
    "Cyber Week",
    "Holiday Gifts",
    "New Year Deals",
    "Winter Clearance",
    "Valentine's Picks",
    "Spring Refresh",
    "Easter Sale",
    "Mother's Day",
    "Summer Kickoff",
    "Back to School",
    "Labor Day",
    "Prime Days",
    "Autumn Essentials",
    "Loyalty Rewards",
    "Flash Sale",
    "Tech Week",
    "Home Makeover",
    "Fitness Month",
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


class Campaigns:
    """The campaigns of the default period; a landing page view carries ``utm_campaign=<id>``."""

    def __init__(self, seed: int, k: int, start_ord: int, end_ord: int) -> None:
        gen = col.rng(seed, S_CAMPAIGNS)
        span = end_ord - start_ord
        start = (start_ord - 10 + np.arange(k) * (span - 20) / k + gen.integers(0, 10, k)).astype(np.int64)
        end = np.minimum(start + gen.integers(28, 100, k), end_ord + 30)
        channel = col.choice(gen, (0.30, 0.22, 0.16, 0.14, 0.10, 0.08), k)
        budget = (gen.uniform(8_000, 75_000, k) // 100 * 100 * 100).astype(np.int64)  # whole hundreds, cents
        self.start, self.end, self.channel, self.budget = start, end, channel, budget
        self.width = max(3, len(str(k)))
        self.ids = col.ids("CAMP_", np.arange(1, k + 1), self.width)
        clicks = np.round(budget / 100 / gen.uniform(0.6, 2.4, k)).astype(np.int64)
        impressions = clicks * gen.integers(25, 90, k)
        conversions = np.round(clicks * gen.uniform(0.01, 0.05, k)).astype(np.int64)
        cpc = np.round(budget * 100 / np.maximum(clicks, 1)).astype(np.int64)  # 10**-4 dollars
        conv_rate = np.round(conversions / np.maximum(clicks, 1) * 10_000).astype(np.int64)
        roi = np.round(gen.normal(1.2, 0.9, k) * 10_000).astype(np.int64)
        theme = gen.integers(0, len(CAMPAIGN_THEMES), k)
        names = [
            f"{CAMPAIGN_THEMES[theme[i]]} {dt.date.fromordinal(int(start[i])).year} - {CHANNELS[channel[i]]}"
            for i in range(k)
        ]
        created = start - gen.integers(5, 30, k)
        created_sec = gen.integers(3_600, 86_400, k)

        changed = np.flatnonzero(gen.random(k) < 0.12)
        change_day = start[changed] + (end[changed] - start[changed]) // 2
        new_budget = (budget[changed] * gen.uniform(1.1, 1.5, len(changed)) // 10_000 * 10_000).astype(
            np.int64
        )
        change_sec = gen.integers(3_600, 86_400, len(changed))
        rows, _, order = col.versions(k, changed)
        ix = pa.array(rows)
        self.table = pa.table(
            {
                "campaign_id": pc.take(self.ids, ix),
                "campaign_name": pc.take(pa.array(names), ix),
                "channel": col.take(pa.array(CHANNELS), channel[rows]),
                "start_date": col.dates(start[rows]),
                "end_date": col.dates(end[rows]),
                "budget": col.money(np.concatenate([budget, new_budget])[order]),
                "target_audience": col.take(pa.array(AUDIENCES), gen.integers(0, len(AUDIENCES), k)[rows]),
                "objective": col.take(pa.array(OBJECTIVES), gen.integers(0, len(OBJECTIVES), k)[rows]),
                "impressions": pa.array(impressions[rows]),
                "clicks": pa.array(clicks[rows]),
                "conversions": pa.array(conversions[rows]),
                "cost_per_click": col.money(cpc[rows], scale=4, precision=12),
                "conversion_rate": col.money(conv_rate[rows], scale=4, precision=12),
                "roi": col.money(roi[rows], scale=4, precision=12),
                "is_active": col.bools(end[rows] >= end_ord),
                "created_at": col.timestamps(created[rows], created_sec[rows]),
                "updated_at": col.timestamps(
                    np.concatenate([created, change_day])[order],
                    np.concatenate([created_sec, change_sec])[order],
                ),
            }
        )
        channel_src = pa.array([f"utm_source={s}&utm_medium={m}" for s, m in CHANNEL_UTM])
        self.utm = col.join("?", col.take(channel_src, channel), "&utm_campaign=", self.ids)

    def active(self, ordinal: int) -> np.ndarray:
        """The campaigns running on a day (their index)."""
        return np.flatnonzero((self.start <= ordinal) & (ordinal <= self.end))
