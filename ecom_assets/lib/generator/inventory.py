"""Inventory: stock per product and warehouse, replenished against demand, snapshotted weekly.

Each product-warehouse row runs a min/max (s, S) policy, day by day from the opening: demand
(Poisson around the product's expected units that day) draws stock down; when stock falls to
the reorder point ``s`` = forecast demand over (lead time + safety days), an order for ``S -
stock`` arrives after the supplier's lead time, where ``S = s`` + forecast demand over the
category's order cycle (at least a case pack). The forecast is the next four weeks' expected
demand, so stock builds ahead of the holiday peak. Slow movers (under one unit every two days)
are stocked in the Central DC only, as a real network would.

Targets (docs/DATA_CONTRACT.md cites the source): days of supply per category near the U.S.
Census Bureau's retail inventories/sales ratios, about 1.2-1.6 months for electronics and
health & beauty, 1.5-1.8 for home, 2-2.8 for clothing, sporting goods and books. The average
stock of a row is about (safety days + cycle / 2) of its demand, so each category's target
sets its safety days and order cycle.

Snapshot rows of day D show the stock at the start of D (06:00). Any day's snapshot follows
from the seed alone (the simulation restarts from the opening when asked for an earlier day).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from ecom_assets.lib.generator import columns as col
from ecom_assets.lib.generator.timeline import OPENING

S_INVENTORY_STATIC, S_INVENTORY = 5, 13

WAREHOUSES = ("East Coast DC", "Central DC", "West Coast DC")
WAREHOUSE_SHARES = (0.40, 0.25, 0.35)  # of a product's demand, when stocked in all three
CENTRAL = 1
SLOW_UNITS_PER_DAY = 0.5
SNAPSHOT_WEEKDAY = 0  # weekly inventory snapshots on Mondays
FORECAST_DAYS = 28
CHUNK_DAYS = 32  # days of demand drawn at once
# Each category's safety + half-cycle days, by category index: with lead-time overlap, case
# packs and whole units, the days of supply land about a quarter above (measured).
TARGET_DAYS = (34.0, 55.0, 40.0, 58.0, 58.0, 32.0)
_WAREHOUSES_PA = pa.array(WAREHOUSES)


class Inventory:
    """The replenishment simulation of every product-warehouse row.

    ``unit_share``: each product's expected share of the units sold; ``units_per_day``: the
    shop's expected units sold on each day (ordinals in, floats out).
    """

    def __init__(
        self,
        seed: int,
        category: np.ndarray,
        price_cents: np.ndarray,
        unit_share: np.ndarray,
        units_per_day: Callable[[np.ndarray], np.ndarray],
        typical_units_per_day: float,
    ) -> None:
        gen = col.rng(seed, S_INVENTORY_STATIC)
        self.seed = seed
        self._units_per_day = units_per_day
        n_wh = len(WAREHOUSES)
        m = len(category) * n_wh
        product = np.arange(m) // n_wh
        warehouse = np.arange(m) % n_wh
        slow = unit_share * typical_units_per_day < SLOW_UNITS_PER_DAY
        wh_share = np.where(
            slow[product], (warehouse == CENTRAL).astype(np.float64), np.asarray(WAREHOUSE_SHARES)[warehouse]
        )
        share = unit_share[product] * wh_share  # of the shop's units, per row
        target = np.asarray(TARGET_DAYS)[category[product]]
        safety = target * gen.uniform(0.2, 0.35, m)
        cycle = 2 * (target - safety) * gen.uniform(0.7, 1.3, m)
        self.lead = gen.integers(4, 22, m)
        price = price_cents[product]
        case = np.where(
            slow[product], 1, np.select([price < 3_000, price < 10_000, price < 50_000], [6, 3, 2], 1)
        )
        self.supplier = col.ids("SUP_", gen.integers(1, 121, m), 4)
        # Only stocked rows are simulated; per row, the reorder point and the order cycle's
        # quantity are these constants times the day's forecast units of the shop.
        self.rows = m
        self.active = np.flatnonzero(share > 0)
        a = self.active
        self._share, self._lead, self._case = share[a], self.lead[a], case[a]
        self._k_reorder = share[a] * (self.lead[a] + safety[a])
        self._k_cycle = share[a] * cycle[a]
        self._u = np.zeros(0)
        self._forecast = np.zeros(0)
        self._chunk: tuple[int, np.ndarray, np.ndarray] | None = None
        self._reset()

    # -- the simulation ------------------------------------------------------------------------

    def _demand(self, first: int, last: int) -> np.ndarray:
        """Expected units of the shop per day, ``first .. last`` (kept from the opening, extended
        on demand), and with it each day's forecast: the mean of the next four weeks."""
        need = last - OPENING.toordinal() + FORECAST_DAYS
        if len(self._u) < need:
            self._u = self._units_per_day(np.arange(OPENING.toordinal(), OPENING.toordinal() + need + 120))
            window = np.concatenate([[0.0], np.cumsum(self._u)])
            self._forecast = (window[FORECAST_DAYS:] - window[:-FORECAST_DAYS]) / FORECAST_DAYS
        return self._u[first - OPENING.toordinal() : last - OPENING.toordinal() + 1]

    def _levels(self, ordinal: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(forecast units a day, reorder point, order-up-to level) of the stocked rows on a day."""
        self._demand(ordinal, ordinal)
        units = float(self._forecast[ordinal - OPENING.toordinal()])
        reorder = self._k_reorder * units
        return self._share * units, reorder, reorder + np.maximum(self._k_cycle * units, self._case)

    def _reset(self) -> None:
        start = OPENING.toordinal()
        _, _, up_to = self._levels(start)
        gen = col.rng(self.seed, S_INVENTORY_STATIC, 1)
        self.stock = np.ceil(up_to).astype(np.int64)  # stocked up for the opening
        self.on_order = np.zeros(len(self.stock), dtype=np.int64)
        self.arrive = np.full(len(self.stock), -1, dtype=np.int64)
        self.restocked = start - gen.integers(1, 15, self.rows)
        self.day = start  # the next day to simulate: the state is the stock at its start

    def _draws(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        """Day ``d``'s demand per stocked row and order delays, drawn a chunk of days at a time
        (one generator per chunk, keyed by the chunk, so any day's draws are the same however the
        simulation got there)."""
        chunk = (d - OPENING.toordinal()) // CHUNK_DAYS
        if self._chunk is None or self._chunk[0] != chunk:
            first = OPENING.toordinal() + chunk * CHUNK_DAYS
            gen = col.rng(self.seed, S_INVENTORY, chunk)
            units = self._demand(first, first + CHUNK_DAYS - 1)
            self._chunk = (
                chunk,
                gen.poisson(units[:, None] * self._share[None, :]),
                gen.integers(0, 3, (CHUNK_DAYS, len(self._share))),
            )
        row = d - OPENING.toordinal() - chunk * CHUNK_DAYS
        return self._chunk[1][row], self._chunk[2][row]

    def _step(self, d: int) -> None:
        demand, delay = self._draws(d)
        here = np.flatnonzero(self.arrive == d)
        if len(here):
            self.stock[here] += self.on_order[here]
            self.on_order[here] = 0
            self.arrive[here] = -1
            self.restocked[self.active[here]] = d
        self.stock -= np.minimum(self.stock, demand)
        _, reorder, up_to = self._levels(d)
        place = np.flatnonzero((self.arrive < 0) & (self.stock <= reorder))
        if len(place):
            need = np.ceil(up_to[place] - self.stock[place]).astype(np.int64)
            self.on_order[place] = np.maximum(need, self._case[place])
            self.arrive[place] = d + self._lead[place] + delay[place]
        self.day = d + 1

    def snapshot(self, ordinal: int) -> dict[str, np.ndarray] | None:
        """The rows of the day's snapshot as numbers (every product and warehouse; the rows not
        stocked there hold nothing); None before the opening."""
        if ordinal < OPENING.toordinal():
            return None
        if ordinal < self.day:
            self._reset()
        while self.day < ordinal:
            self._step(self.day)
        forecast, reorder, up_to = self._levels(ordinal)
        gen = col.rng(self.seed, S_INVENTORY, ordinal, 1)
        full = {name: np.zeros(self.rows, dtype=np.int64) for name in ("stock", "reserved", "reorder", "max")}
        a = self.active
        full["stock"][a] = self.stock
        full["reserved"][a] = np.minimum(self.stock, gen.poisson(forecast * 1.5))
        full["reorder"][a] = np.round(reorder)
        full["max"][a] = np.round(up_to)
        return {
            "day": np.full(self.rows, ordinal, dtype=np.int64),
            "row": np.arange(self.rows),
            **full,
            "restocked": self.restocked.copy(),
        }

    def format(self, c: dict[str, np.ndarray], product_ids: pa.Array) -> pa.Table:
        row = c["row"]
        n_wh = len(WAREHOUSES)
        stamp = col.timestamps(c["day"], np.full(len(row), 6 * 3_600))
        return pa.table(
            {
                "inventory_id": col.day_ids("INV_", c["day"], row + 1, 7),
                "product_id": col.take(product_ids, row // n_wh),
                "warehouse_location": col.take(_WAREHOUSES_PA, row % n_wh),
                "current_stock": pa.array(c["stock"]),
                "reserved_stock": pa.array(c["reserved"]),
                "reorder_point": pa.array(c["reorder"]),
                "max_stock": pa.array(c["max"]),
                "last_restocked": col.dates(c["restocked"]),
                "supplier_id": col.take(self.supplier, row),
                "lead_time_days": pa.array(self.lead[row]),
                "created_at": stamp,
                "updated_at": stamp,
                "snapshot_date": col.dates(c["day"]),
            }
        )
