"""Customers: who registers when, in which segment, how often they buy, and their versions."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.generator import columns as col

S_CUSTOMERS = 2

SEGMENTS = ("Premium", "Regular", "Budget")
SEGMENT_SHARES = (0.20, 0.60, 0.20)
# Premium orders a little more often and buys dearer baskets: revenue shares land near 28/57/15 %.
SEGMENT_FREQUENCY = (1.15, 1.0, 0.95)
GENDERS = ("F", "M", "Other")


class Customers:
    """Registered customers, numbered in registration order: those able to order on a day are
    a prefix, so a day's buyers are a weighted pick over ``activity_cw[:eligible(day)]``."""

    def __init__(
        self,
        seed: int,
        n: int,
        reg_start_ord: int,
        start_ord: int,
        end_ord: int,
        pools: dict[str, pa.Array],
        categories: tuple[str, ...],
    ) -> None:
        gen = col.rng(seed, S_CUSTOMERS)
        self.width = max(6, len(str(n)))
        # Registration: 35 % in the year before the period, the rest spread over the period.
        before = gen.random(n) < 0.35
        reg = np.where(
            before,
            gen.integers(reg_start_ord, start_ord, n),
            gen.integers(start_ord, end_ord + 1, n),
        )
        reg.sort()
        self.reg = reg
        counts = np.round(np.array(SEGMENT_SHARES) * n).astype(np.int64)
        counts[1] = n - counts[0] - counts[2]
        seg = np.repeat(np.arange(3), counts)
        gen.shuffle(seg)
        self.seg = seg
        activity = gen.lognormal(0.0, 0.7, n) * np.asarray(SEGMENT_FREQUENCY)[seg]
        self.activity_cw = np.cumsum(activity)
        self.uniform_cw = np.arange(1, n + 1, dtype=np.float64)

        gender = col.choice(gen, (0.49, 0.49, 0.02), n)  # F, M, Other
        first_f = gen.integers(0, len(pools["first_f"]), n)
        first_m = gen.integers(0, len(pools["first_m"]), n)
        first = pc.if_else(
            pa.array(gender == 1), col.take(pools["first_m"], first_m), col.take(pools["first_f"], first_f)
        )
        last = col.take(pools["last"], gen.integers(0, len(pools["last"]), n))
        num = np.arange(1, n + 1)
        self.ids = col.ids("CUST_", num, self.width)
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
        self.ship_address = col.join(street, ", ", city, ", ", col.join(state, " ", postal))
        pref = gen.integers(0, len(categories), n)
        consent = gen.random(n) < 0.62
        created_sec = gen.integers(3_600, 86_400, n)

        # Second versions: ~5 % change segment (up or down by one step, or across) mid-period.
        changed = np.flatnonzero(gen.random(n) < 0.05)
        lo = np.maximum(reg[changed], start_ord) + 30
        hi = np.maximum(lo + 1, end_ord - 10)
        change_day = gen.integers(lo, hi)
        new_seg = (seg[changed] + gen.integers(1, 3, len(changed))) % 3
        change_sec = gen.integers(3_600, 86_400, len(changed))

        rows, _, order = col.versions(n, changed)
        ix = pa.array(rows)
        seg_out = np.concatenate([seg, new_seg])[order]
        upd_day = np.concatenate([reg, change_day])[order]
        upd_sec = np.concatenate([created_sec, change_sec])[order]
        self.table = pa.table(
            {
                "customer_id": pc.take(self.ids, ix),
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
                "customer_segment": col.take(pa.array(SEGMENTS), seg_out),
                "preferred_category": col.take(pa.array(categories), pref[rows]),
                "marketing_consent": col.bools(consent[rows]),
                "created_at": col.timestamps(reg[rows], created_sec[rows]),
                "updated_at": col.timestamps(upd_day, upd_sec),
            }
        )

    def eligible(self, ordinal: int) -> int:
        """How many customers have registered by the end of the day ``ordinal``."""
        return int(np.searchsorted(self.reg, ordinal, side="right"))
