"""Customers: who signs up when, in which segment, how often they buy, and their versions.

Sign-ups start at the shop's opening (a launch wave, then a steady, slowly growing flow), and
are drawn in blocks: the first 13 months, then a year at a time, each from its own seed, so a
longer window adds customers without changing the earlier ones.

How often a customer buys: an activity level (lognormal, a little higher for Premium), and a
lifetime. About 30 % stay loyal; the others' propensity to buy fades with the time since they
signed up (half-life about 100 days), which gives the shop churn: customers who bought once or
twice and then not for months. Because the fading is exponential with one time constant, a
customer's weight on day D is ``w_i * exp(-D / TAU)`` with ``w_i`` fixed, so the day's buyers
are still a weighted pick over fixed cumulative weights (no per-day pass over all customers).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.generator import columns as col
from ecom_assets.lib.generator.timeline import OPENING, REFERENCE_END, signup_weight

S_CUSTOMERS = 2

SEGMENTS = ("Premium", "Regular", "Budget")
SEGMENT_SHARES = (0.20, 0.60, 0.20)
# Premium orders a little more often and buys dearer baskets: revenue shares land near 28/57/15 %.
SEGMENT_FREQUENCY = (1.15, 1.0, 0.95)
GENDERS = ("F", "M", "Other")
LOYAL_SHARE = 0.30
TAU = 150.0  # days: a fading customer's propensity to buy falls by e in this time
BLOCK_DAYS = 365  # sign-up blocks after the first (the reference period)
MAX_BLOCKS = 20  # customer ids are wide enough for this many blocks


def block_span(k: int) -> tuple[int, int]:
    """First and last day (ordinals) of sign-up block ``k``: 0 is the reference period."""
    if k == 0:
        return OPENING.toordinal(), REFERENCE_END.toordinal()
    first = REFERENCE_END.toordinal() + 1 + (k - 1) * BLOCK_DAYS
    return first, first + BLOCK_DAYS - 1


class Customers:
    """Customers numbered in sign-up order: those able to order on a day are a prefix, so a day's
    buyers are a weighted pick over ``loyal_cw[:eligible]`` and ``fading_cw[:eligible]``."""

    def __init__(self, seed: int, n: int, pools: dict[str, pa.Array], categories: tuple[str, ...]) -> None:
        self.seed, self.n0, self.pools, self.categories = seed, n, pools, categories
        self.width = max(6, len(str(n * MAX_BLOCKS)))
        ref = np.arange(*_inclusive(block_span(0)))
        self._ref_signups = float(signup_weight(ref).sum())
        self._blocks: list[dict[str, object]] = []
        self.until = -1
        self.ensure(REFERENCE_END.toordinal())

    def ensure(self, ordinal: int) -> None:
        """Sign up every customer who joins by ``ordinal`` (adds blocks; never changes one)."""
        while self.until < ordinal:
            k = len(self._blocks)
            if k >= MAX_BLOCKS:
                last = dt.date.fromordinal(self.until)
                raise ValueError(f"the synthetic shop's customers are drawn up to {last} only")
            self._blocks.append(self._block(k, len(self.reg) if k else 0))
            self.until = block_span(k)[1]
            self._join()

    def _join(self) -> None:
        blocks = self._blocks
        self.reg = np.concatenate([b["reg"] for b in blocks])
        self.seg = np.concatenate([b["seg"] for b in blocks])
        loyal = np.concatenate([b["loyal"] for b in blocks])
        activity = np.concatenate([b["activity"] for b in blocks])
        self.loyal_cw = np.cumsum(np.where(loyal, activity, 0.0))
        fade = np.exp((self.reg - OPENING.toordinal()) / TAU)
        self.fading_cw = np.cumsum(np.where(loyal, 0.0, activity * fade))
        self.uniform_cw = np.arange(1, len(self.reg) + 1, dtype=np.float64)
        self.ids = pa.concat_arrays([b["ids"] for b in blocks])
        self.ship_address = pa.concat_arrays([b["ship_address"] for b in blocks])
        self.table = pa.concat_tables([b["table"] for b in blocks])

    @property
    def count(self) -> int:
        return len(self.reg)

    def eligible(self, ordinal: int) -> int:
        """How many customers have signed up by the end of the day ``ordinal``."""
        return int(np.searchsorted(self.reg, ordinal, side="right"))

    def base(self, ordinals: np.ndarray) -> np.ndarray:
        """The summed buying propensity of everyone signed up by each day (the day's demand)."""
        e = np.searchsorted(self.reg, ordinals, side="right")
        last = np.maximum(e - 1, 0)
        fade = np.exp(-(np.asarray(ordinals) - OPENING.toordinal()) / TAU)
        return np.where(e > 0, self.loyal_cw[last] + fade * self.fading_cw[last], 0.0)

    def pick_buyers(self, ordinal: int, u: np.ndarray) -> np.ndarray:
        """Customers for uniform draws ``u``, each in proportion to their propensity that day."""
        e = self.eligible(ordinal)
        fade = np.exp(-(ordinal - OPENING.toordinal()) / TAU)
        loyal_total = self.loyal_cw[e - 1]
        value = u * (loyal_total + fade * self.fading_cw[e - 1])
        in_loyal = value < loyal_total
        idx = np.where(
            in_loyal,
            np.searchsorted(self.loyal_cw[:e], value, side="right"),
            np.searchsorted(self.fading_cw[:e], (value - loyal_total) / fade, side="right"),
        )
        return np.minimum(idx, e - 1)

    def _block(self, k: int, first_number: int) -> dict[str, object]:
        lo, hi = block_span(k)
        days = np.arange(lo, hi + 1)
        weights = signup_weight(days)
        n = self.n0 if k == 0 else max(1, round(self.n0 * weights.sum() / self._ref_signups))
        gen = col.rng(self.seed, S_CUSTOMERS, k)
        pools = self.pools
        reg = np.sort(days[col.weighted_pick(np.cumsum(weights), gen.random(n))])
        counts = np.round(np.array(SEGMENT_SHARES) * n).astype(np.int64)
        counts[1] = n - counts[0] - counts[2]
        seg = np.repeat(np.arange(3), counts)
        gen.shuffle(seg)
        activity = gen.lognormal(0.0, 0.7, n) * np.asarray(SEGMENT_FREQUENCY)[seg]
        loyal = gen.random(n) < LOYAL_SHARE

        gender = col.choice(gen, (0.49, 0.49, 0.02), n)  # F, M, Other
        first_f = gen.integers(0, len(pools["first_f"]), n)
        first_m = gen.integers(0, len(pools["first_m"]), n)
        first = pc.if_else(
            pa.array(gender == 1), col.take(pools["first_m"], first_m), col.take(pools["first_f"], first_f)
        )
        last = col.take(pools["last"], gen.integers(0, len(pools["last"]), n))
        num = np.arange(first_number + 1, first_number + n + 1)
        ids = col.ids("CUST_", num, self.width)
        local = pc.utf8_lower(col.join(first, ".", last, pa.array(num).cast(pa.string())))
        local = pc.replace_substring_regex(local, r"[^a-z0-9.]", "")
        email = col.join(local, "@", col.take(pools["domain"], gen.integers(0, len(pools["domain"]), n)))
        phone = col.join(
            "+1-",
            pa.array(gen.integers(201, 990, n)).cast(pa.string()),
            "-",
            pa.array(gen.integers(200, 999, n)).cast(pa.string()),
            "-",
            pc.utf8_lpad(pa.array(gen.integers(0, 10_000, n)).cast(pa.string()), 4, "0"),
        )
        age_days = gen.integers(18 * 365, 76 * 365, n)
        street = col.take(pools["street"], gen.integers(0, len(pools["street"]), n))
        place = gen.integers(0, len(pools["city"]), n)
        city = col.take(pools["city"], place)
        state = col.take(pools["state"], place)
        postal = col.take(pools["zip"], place)
        pref = gen.integers(0, len(self.categories), n)
        consent = gen.random(n) < 0.62
        created_sec = gen.integers(3_600, 86_400, n)

        # Second versions: ~5 % move to another segment, 1.5 to 14 months after signing up.
        changed = np.flatnonzero(gen.random(n) < 0.05)
        change_day = reg[changed] + gen.integers(45, 420, len(changed))
        new_seg = (seg[changed] + gen.integers(1, 3, len(changed))) % 3
        change_sec = gen.integers(3_600, 86_400, len(changed))

        rows, _, order = col.versions(n, changed)
        ix = pa.array(rows)
        table = pa.table(
            {
                "customer_id": pc.take(ids, ix),
                "first_name": pc.take(first, ix),
                "last_name": pc.take(last, ix),
                "email": pc.take(email, ix),
                "phone": pc.take(phone, ix),
                "date_of_birth": col.dates(reg[rows] - age_days[rows]),
                "gender": col.take(pa.array(GENDERS), gender[rows]),
                "address": pc.take(street, ix),
                "city": pc.take(city, ix),
                "state": pc.take(state, ix),
                "country": pa.array(["United States"] * len(rows)),
                "postal_code": pc.take(postal, ix),
                "registration_date": col.dates(reg[rows]),
                "customer_segment": col.take(pa.array(SEGMENTS), np.concatenate([seg, new_seg])[order]),
                "preferred_category": col.take(pa.array(self.categories), pref[rows]),
                "marketing_consent": col.bools(consent[rows]),
                "created_at": col.timestamps(reg[rows], created_sec[rows]),
                "updated_at": col.timestamps(
                    np.concatenate([reg, change_day])[order], np.concatenate([created_sec, change_sec])[order]
                ),
            }
        )
        ship_address = col.join(street, ", ", city, ", ", col.join(state, " ", postal))
        return {
            "reg": reg,
            "seg": seg,
            "activity": activity,
            "loyal": loyal,
            "ids": ids,
            "ship_address": ship_address,
            "table": table,
        }


def _inclusive(span: tuple[int, int]) -> tuple[int, int]:
    return span[0], span[1] + 1
