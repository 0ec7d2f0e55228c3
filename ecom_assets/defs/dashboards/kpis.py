"""The executive tiles: exact values, shown in ``lib.formats``' rules on the page, on every
printed page's header and in the asset's metadata."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from ecom_assets.lib import formats as fmt


@dataclass(frozen=True)
class Kpis:
    """Revenue, profit and orders of recognized orders; buyers out of registered customers."""

    as_of: dt.date | None
    net_revenue: Decimal
    gross_profit: Decimal
    orders: int
    buyers: int
    registered_customers: int
    avg_order_value: Decimal | None

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Kpis:
        row = frame.iloc[0]
        aov = row["avg_order_value"]
        return cls(
            as_of=row["as_of"],
            net_revenue=Decimal(row["net_revenue"]),
            gross_profit=Decimal(row["gross_profit"]),
            orders=int(row["orders"]),
            buyers=int(row["customers"]),
            registered_customers=int(row["registered_customers"]),
            avg_order_value=None if aov is None or pd.isna(aov) else Decimal(aov),
        )

    def tiles(self) -> list[tuple[str, str, str, str]]:
        """(key, label, headline, detail) per tile in display order: the headline is short
        (no cents on millions), the detail exact or explaining."""
        return [
            ("net_revenue", "Net revenue", fmt.money_short(self.net_revenue), fmt.money(self.net_revenue)),
            (
                "gross_profit",
                "Gross profit",
                fmt.money_short(self.gross_profit),
                fmt.money(self.gross_profit),
            ),
            ("orders", "Orders", fmt.count(self.orders), "recognized orders"),
            (
                "buyers",
                "Buyers",
                fmt.count(self.buyers),
                f"of {fmt.count(self.registered_customers)} customers",
            ),
            ("avg_order_value", "Average order", fmt.money(self.avg_order_value), "net revenue / orders"),
            ("as_of", "As of", fmt.day(self.as_of), "the last loaded day"),
        ]

    def line(self) -> str:
        """The tiles as one line of text (the printed pages' headers)."""
        tiles = [(key, label, headline) for key, label, headline, _ in self.tiles()]
        return "  ·  ".join(f"{label}: {headline}" for key, label, headline in tiles if key != "as_of")
