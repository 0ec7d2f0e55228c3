"""Inventory: weekly stock snapshots per product and warehouse."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ecom_assets.lib.generator import columns as col

S_INVENTORY_STATIC, S_INVENTORY = 5, 13

WAREHOUSES = ("East Coast DC", "Central DC", "West Coast DC")
SNAPSHOT_WEEKDAY = 0  # weekly inventory snapshots on Mondays
_WAREHOUSES_PA = pa.array(WAREHOUSES)


class Inventory:
    """One row per product and warehouse; a snapshot is drawn for any day from the seed alone."""

    def __init__(self, seed: int, n_products: int) -> None:
        gen = col.rng(seed, S_INVENTORY_STATIC)
        self.seed = seed
        m = n_products * len(WAREHOUSES)
        self.max = gen.integers(60, 600, m)
        self.cycle = gen.integers(14, 63, m)
        self.phase = gen.integers(0, 1000, m)
        self.depletion = gen.uniform(0.55, 1.12, m)
        self.reorder = np.round(self.max * gen.uniform(0.15, 0.3, m)).astype(np.int64)
        self.lead = gen.integers(3, 30, m)
        self.supplier = col.ids("SUP_", gen.integers(1, 121, m), 4)

    def snapshot(self, ordinal: int) -> dict[str, np.ndarray]:
        gen = col.rng(self.seed, S_INVENTORY, ordinal)
        m = len(self.max)
        since = (ordinal + self.phase) % self.cycle
        frac = since / self.cycle * self.depletion
        noise = gen.integers(-5, 6, m)
        stock = np.maximum(np.round(self.max * (1 - frac)).astype(np.int64) + noise, 0)
        stock = np.minimum(stock, self.max)
        return {
            "day": np.full(m, ordinal, dtype=np.int64),
            "row": np.arange(m),
            "stock": stock,
            "reserved": np.minimum(stock, gen.integers(0, 12, m)),
            "since": since,
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
                "reorder_point": pa.array(self.reorder[row]),
                "max_stock": pa.array(self.max[row]),
                "last_restocked": col.dates(c["day"] - c["since"]),
                "supplier_id": col.take(self.supplier, row),
                "lead_time_days": pa.array(self.lead[row]),
                "created_at": stamp,
                "updated_at": stamp,
                "snapshot_date": col.dates(c["day"]),
            }
        )
