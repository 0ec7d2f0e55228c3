"""Inventory replenished against demand: days of supply and turnover in real retail's ranges.

The ranges are the U.S. Census Bureau's retail inventories/sales ratios by kind of business
(docs/DATA_CONTRACT.md, "The synthetic shop"), in days: about 1.2-1.6 months of sales for
electronics and health stores, 1.5-1.8 for home furnishings, 2-2.8 for clothing, sporting
goods and book stores; figures here follow METRICS.md (average on hand over the snapshot days,
units sold over the loaded period).
"""

from __future__ import annotations

import pandas as pd

from ecom_assets.lib.generator import inventory

DAYS_OF_SUPPLY = {  # category -> (low, high) days
    "Electronics": (30, 55),
    "Health & Beauty": (30, 55),
    "Home & Garden": (40, 65),
    "Clothing": (55, 90),
    "Sports & Outdoors": (55, 90),
    "Books": (55, 90),
}


def _by_product(frames: dict[str, pd.DataFrame], recognized: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    items = frames["order_items"]
    units = items[items.order_id.isin(recognized.order_id)].groupby("product_id").quantity.sum()
    inv = frames["inventory"]
    on_hand = inv.groupby(["product_id", "snapshot_date"]).current_stock.sum().groupby("product_id").mean()
    products = frames["products"].drop_duplicates("product_id").set_index("product_id")
    df = pd.DataFrame({"units": units, "on_hand": on_hand}).fillna(0).join(products.category)
    days = (recognized.order_date.max() - recognized.order_date.min()).days + 1
    return df, days


def test_days_of_supply_and_turnover_by_category(
    frames: dict[str, pd.DataFrame], recognized: pd.DataFrame
) -> None:
    df, days = _by_product(frames, recognized)
    cat = df.groupby("category")[["units", "on_hand"]].sum()
    supply = cat.on_hand / (cat.units / days)
    for name, (low, high) in DAYS_OF_SUPPLY.items():
        assert low <= supply[name] <= high, (name, supply[name])
    yearly_turns = 365 / supply
    assert yearly_turns.between(3.5, 12).all()  # weeks to a few months of stock, not years


def test_products_hold_weeks_to_months_of_stock(
    frames: dict[str, pd.DataFrame], recognized: pd.DataFrame
) -> None:
    df, days = _by_product(frames, recognized)
    sold = df[df.units > 0]
    supply = sold.on_hand / (sold.units / days)
    assert 30 <= supply.median() <= 90
    assert supply.quantile(0.9) <= 180
    assert df.on_hand.min() < 5  # the slowest movers hold a unit or two, not hundreds


def test_stock_is_replenished_and_rarely_runs_out(frames: dict[str, pd.DataFrame]) -> None:
    inv = frames["inventory"]
    stocked = inv[inv.max_stock > 0]
    assert (stocked.current_stock == 0).mean() < 0.08  # a few stock-outs, not many
    assert (stocked.max_stock >= stocked.reorder_point).all()
    assert (inv.current_stock >= inv.reserved_stock).all()
    restocks = stocked.groupby(["product_id", "warehouse_location"]).last_restocked.nunique()
    assert restocks.median() >= 3  # orders arrive through the year
    assert (inv.last_restocked < inv.snapshot_date).all()
    # stock builds ahead of the holiday peak: more on hand in early December than in February
    total = inv.groupby("snapshot_date").current_stock.sum()
    assert total[total.index.month == 12].mean() > total[total.index.month == 2].mean()


def test_slow_movers_are_stocked_in_the_central_dc_only(frames: dict[str, pd.DataFrame]) -> None:
    inv = frames["inventory"]
    held = inv.groupby(["product_id", "warehouse_location"]).max_stock.max().unstack()
    central_only = (held["Central DC"] > 0) & (held["East Coast DC"] == 0) & (held["West Coast DC"] == 0)
    everywhere = (held > 0).all(axis=1)
    assert central_only.any() and everywhere.any()
    assert (central_only | everywhere).all()
    assert inventory.WAREHOUSES[inventory.CENTRAL] == "Central DC"
