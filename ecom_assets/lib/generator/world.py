"""The shop for one (seed, scale): its parts, and every event row of any day drawn from them.

Per-day randomness: every event row of day D comes from generators seeded by
``(seed, stream, D.toordinal())`` and from the dimensions (which depend on seed and scale
only, never on the export window or the clock), so ``generate_day(D)`` writes exactly the rows
a full ``generate`` writes for D, and any window is a slice of the same shop.

Volumes: a day's orders (and site traffic) follow its season times the summed buying
propensity of the customers signed up by then (``Customers.base``): the shop grows from its
opening as customers sign up, and fades where they churn. Over the reference period (the first
13 months) the totals are split by rounding the running total, so scale 1 gives exactly 12,000
orders and 75,000 events there and a quiet stretch keeps its share at any scale; any other day
draws its count from the same rate.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa

from ecom_assets.lib.generator import clickstream, orders
from ecom_assets.lib.generator import columns as col
from ecom_assets.lib.generator.campaigns import Campaigns, growth_of
from ecom_assets.lib.generator.customers import SEGMENT_FREQUENCY, SEGMENT_SHARES, Customers
from ecom_assets.lib.generator.inventory import SNAPSHOT_WEEKDAY, Inventory
from ecom_assets.lib.generator.pools import faker_pools
from ecom_assets.lib.generator.products import CATEGORY_NAMES, Products
from ecom_assets.lib.generator.timeline import OPENING, REFERENCE_END, season

BASE_CUSTOMERS = 2_500
BASE_ORDERS = 12_000
BASE_EVENTS = 75_000
BASE_PRODUCTS = 650
S_DAY_COUNT = 10
LOOK_AHEAD = 7  # the clickstream of a day knows the buyers of the next six days


class World:
    """The dimensions and per-day rates for one (seed, scale): everything a day needs to exist.

    Scale multiplies customers, orders and clickstream; products (650) and campaigns grow with
    ``sqrt(scale)`` above scale 1 (a shop with 100x the customers does not sell 100x the
    products) and stay fixed below it; campaign budgets follow the orders a campaign can reach.
    ``until``: the last day the world must be able to draw (customers and campaigns are added
    in blocks as needed, never changed).
    """

    def __init__(self, seed: int = 42, scale: float = 1.0, until: dt.date | None = None) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be positive, got {scale}")
        self.seed = int(seed)
        self.scale = float(scale)
        growth = growth_of(scale)
        self.total_orders = round(BASE_ORDERS * scale)
        self.total_events = round(BASE_EVENTS * scale)
        self.pools = {name: pa.array(values) for name, values in faker_pools(self.seed).items()}
        self.customers = Customers(
            self.seed, max(10, round(BASE_CUSTOMERS * scale)), self.pools, CATEGORY_NAMES
        )
        self.products = Products(
            self.seed,
            round(BASE_PRODUCTS * growth),
            OPENING.toordinal(),
            REFERENCE_END.toordinal(),
            self.pools["sentence"],
        )
        self.campaigns = Campaigns(self.seed, growth, budget_scale=scale / growth)
        ref = np.arange(OPENING.toordinal(), REFERENCE_END.toordinal() + 1)
        weights = self._weights(ref)
        self._weight_sum = float(weights.sum())
        self._orders_by_day = col.cumulative_round(self.total_orders, weights)
        self._events_by_day = col.cumulative_round(self.total_events, weights)
        self._buyers: dict[int, np.ndarray] = {}
        share, per_order = self._unit_share()
        self._units_per_order = per_order
        self.inventory = Inventory(
            self.seed,
            self.products.category,
            self.products.price,
            share,
            self.expected_units,
            self.total_orders * per_order / len(ref),
        )
        self.ensure((until or REFERENCE_END).toordinal())

    def ensure(self, ordinal: int) -> None:
        """Make every customer and campaign exist that days up to ``ordinal`` (+ a week) need."""
        self.customers.ensure(ordinal + LOOK_AHEAD)
        self.campaigns.ensure(ordinal + LOOK_AHEAD)

    # -- counts -----------------------------------------------------------------------------

    def _weights(self, ordinals: np.ndarray) -> np.ndarray:
        """A day's relative orders and traffic: its season times the customers' propensity."""
        if len(ordinals):
            self.customers.ensure(int(np.max(ordinals)))
        return season(ordinals) * self.customers.base(ordinals)

    def expected_orders(self, ordinals: np.ndarray) -> np.ndarray:
        return self.total_orders * self._weights(ordinals) / self._weight_sum

    def expected_units(self, ordinals: np.ndarray) -> np.ndarray:
        """Units the shop expects to sell each day (the inventory's demand)."""
        return self.expected_orders(ordinals) * self._units_per_order

    def _unit_share(self) -> tuple[np.ndarray, float]:
        """Each product's expected share of the units sold, and the units of an average order."""
        mix = np.asarray(SEGMENT_SHARES) * np.asarray(SEGMENT_FREQUENCY)
        items = np.asarray(orders.SEGMENT_ITEM_PROBS) @ np.arange(1, 6)
        item_mix = mix * items / (mix * items).sum()
        share = np.zeros(len(self.products.price))
        for s, cw in enumerate(self.products.segment_cw):
            share += item_mix[s] * np.diff(cw, prepend=0.0) / cw[-1]
        return share, float((mix * items).sum() / mix.sum() * orders.MEAN_QUANTITY)

    def _count(self, ordinal: int, by_day: np.ndarray, total: int, stream: int) -> int:
        first = OPENING.toordinal()
        if first <= ordinal <= REFERENCE_END.toordinal():
            return int(by_day[ordinal - first])
        expected = total * float(self._weights(np.array([ordinal]))[0]) / self._weight_sum
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
        self.ensure(ordinal)
        o = orders.day_orders(self, ordinal)
        out = orders.money_rows(self, ordinal, o)
        out["clickstream"] = clickstream.day_events(self, ordinal, o)
        if dt.date.fromordinal(ordinal).weekday() == SNAPSHOT_WEEKDAY:
            snapshot = self.inventory.snapshot(ordinal)
            if snapshot is not None:
                out["inventory"] = snapshot
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

    def dimension_tables(self) -> dict[str, pa.Table]:
        """Every version of every customer, product and campaign the world holds so far."""
        return {
            "customers": self.customers.table,
            "products": self.products.table,
            "marketing_campaigns": self.campaigns.table,
        }
