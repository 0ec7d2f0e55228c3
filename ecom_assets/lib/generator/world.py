"""The shop for one (seed, scale): its parts, and every event row of any day drawn from them.

Per-day randomness: every event row of day D comes from generators seeded by
``(seed, stream, D.toordinal())`` and from the dimensions (which depend on seed and scale
only), so ``generate_day(D)`` writes exactly the rows a full ``generate`` writes for D.

Exact volumes: within the default period the order and clickstream totals are split over the
days by largest remainder on the seasonal weight, so scale 1 gives exactly 12,000 orders and
75,000 events; days outside it draw their counts from the same rate.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cached_property

import numpy as np
import pyarrow as pa

from ecom_assets.lib.generator import clickstream, orders
from ecom_assets.lib.generator import columns as col
from ecom_assets.lib.generator.campaigns import Campaigns
from ecom_assets.lib.generator.customers import Customers
from ecom_assets.lib.generator.inventory import SNAPSHOT_WEEKDAY, Inventory
from ecom_assets.lib.generator.pools import faker_pools
from ecom_assets.lib.generator.products import CATEGORY_NAMES, Products
from ecom_assets.lib.generator.timeline import DEFAULT_END, DEFAULT_START, day_weight

BASE_CUSTOMERS = 2_500
BASE_ORDERS = 12_000
BASE_EVENTS = 75_000
BASE_PRODUCTS = 650
BASE_CAMPAIGNS = 25
S_DAY_COUNT = 10


class World:
    """The dimensions and per-day rates for one (seed, scale): everything a day needs to exist.

    Scale multiplies customers, orders and clickstream; products (650) and campaigns (25) grow
    with ``sqrt(scale)`` above scale 1 (a shop with 100x the customers does not sell 100x the
    products) and stay fixed below it. Only a ``reg_start`` before the default period changes
    the world; every other run, and ``generate_day``, share it, which makes days addressable.
    """

    def __init__(self, seed: int = 42, scale: float = 1.0, reg_start: dt.date | None = None) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be positive, got {scale}")
        self.seed = int(seed)
        self.scale = float(scale)
        self.start_ord = DEFAULT_START.toordinal()
        self.end_ord = DEFAULT_END.toordinal()
        reg_start_ord = min(reg_start or DEFAULT_START, DEFAULT_START).toordinal() - 365
        growth = math.sqrt(max(scale, 1.0))
        self.total_orders = round(BASE_ORDERS * scale)
        self.total_events = round(BASE_EVENTS * scale)
        weights = day_weight(np.arange(self.start_ord, self.end_ord + 1))
        self._weight_sum = float(weights.sum())
        self._orders_by_day = col.largest_remainder(self.total_orders, weights)
        self._events_by_day = col.largest_remainder(self.total_events, weights)
        self.pools = {name: pa.array(values) for name, values in faker_pools(self.seed).items()}
        self.customers = Customers(
            self.seed,
            max(10, round(BASE_CUSTOMERS * scale)),
            reg_start_ord,
            self.start_ord,
            self.end_ord,
            self.pools,
            CATEGORY_NAMES,
        )
        self.products = Products(
            self.seed, round(BASE_PRODUCTS * growth), self.start_ord, self.end_ord, self.pools["sentence"]
        )
        self.campaigns = Campaigns(self.seed, round(BASE_CAMPAIGNS * growth), self.start_ord, self.end_ord)
        self.inventory = Inventory(self.seed, len(self.products.price))
        self._buyers: dict[int, np.ndarray] = {}

    # -- counts -----------------------------------------------------------------------------

    def _count(self, ordinal: int, by_day: np.ndarray, total: int, stream: int) -> int:
        if self.start_ord <= ordinal <= self.end_ord:
            return int(by_day[ordinal - self.start_ord])
        expected = total * float(day_weight(np.array([ordinal]))[0]) / self._weight_sum
        u = col.rng(self.seed, S_DAY_COUNT, stream, ordinal).random()
        return int(math.floor(expected) + (u < expected - math.floor(expected)))

    def order_count(self, ordinal: int) -> int:
        return self._count(ordinal, self._orders_by_day, self.total_orders, 0)

    def event_count(self, ordinal: int) -> int:
        return self._count(ordinal, self._events_by_day, self.total_events, 1)

    def buyers(self, ordinal: int) -> np.ndarray:
        """A day's buyers, memoised for the look-ahead of the six days before it."""
        if ordinal not in self._buyers:
            if len(self._buyers) > 32:
                self._buyers.clear()
            self._buyers[ordinal] = orders.order_customers(self, ordinal)[1]
        return self._buyers[ordinal]

    # -- one day -----------------------------------------------------------------------------

    def day_data(self, ordinal: int) -> dict[str, dict[str, np.ndarray]]:
        """The event rows of one day as numbers (inventory only on snapshot days).

        Numbers only, so many days can be concatenated and turned into text in one pass
        (``format_rows``); the text of a row never depends on which other rows share its batch.
        """
        o = orders.day_orders(self, ordinal)
        out = orders.money_rows(self, ordinal, o)
        out["clickstream"] = clickstream.day_events(self, ordinal, o)
        if dt.date.fromordinal(ordinal).weekday() == SNAPSHOT_WEEKDAY:
            out["inventory"] = self.inventory.snapshot(ordinal)
        return out

    def day_tables(self, ordinal: int) -> dict[str, pa.Table]:
        """The event tables of one day, as text-ready arrow tables."""
        return {name: self.format_rows(name, cols) for name, cols in self.day_data(ordinal).items()}

    def format_rows(self, name: str, c: dict[str, np.ndarray]) -> pa.Table:
        """Arrow columns (contract order) for event rows of any number of days."""
        if name == "orders":
            return orders.format_orders(self, c)
        if name == "order_items":
            return orders.format_order_items(self, c)
        if name == "clickstream":
            return clickstream.format_clickstream(self, c)
        return self.inventory.format(c, self.products.ids)

    @cached_property
    def dimension_tables(self) -> dict[str, pa.Table]:
        return {
            "customers": self.customers.table,
            "products": self.products.table,
            "marketing_campaigns": self.campaigns.table,
        }
