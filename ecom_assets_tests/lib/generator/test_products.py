"""Products: category prices and margins, and price changes priced point in time."""

from __future__ import annotations

import pandas as pd

from ecom_assets.lib import generator


def test_category_prices_and_margins(frames: dict[str, pd.DataFrame]) -> None:
    prod = frames["products"].drop_duplicates("product_id", keep="first")
    margin = ((prod.selling_price - prod.cost_price) / prod.selling_price * 100).groupby(prod.category).mean()
    assert len(margin) == 6
    assert 56 <= margin["Books"] <= 62 and 56 <= margin["Health & Beauty"] <= 62
    assert 42 <= margin["Electronics"] <= 48
    assert (prod.cost_price < prod.selling_price).all()
    price = prod.groupby("category").selling_price.median()
    assert price["Electronics"] > 3 * price["Books"]
    items = frames["order_items"].merge(prod[["product_id", "category"]], on="product_id")
    units = items.groupby("category").quantity.sum()
    assert units.idxmax() == "Electronics"


def test_price_changes_are_versions_priced_point_in_time(frames: dict[str, pd.DataFrame]) -> None:
    prod = frames["products"]
    versions = prod[prod.product_id.duplicated(keep=False)].sort_values(["product_id", "updated_at"])
    g = versions.groupby("product_id")
    assert 0.05 * 650 < g.ngroups < 0.11 * 650
    assert (g.updated_at.first() < g.updated_at.last()).all()
    assert (g.selling_price.first() != g.selling_price.last()).all()
    changed_on = g.updated_at.last().dt.normalize()
    period = pd.Timestamp(generator.OPENING), pd.Timestamp(generator.REFERENCE_END)
    assert changed_on.between(*period).all()  # mid-period

    items = frames["order_items"].merge(frames["orders"][["order_id", "order_date"]], on="order_id")
    items = items[items.product_id.isin(changed_on.index)]
    after = items.order_date >= items.product_id.map(changed_on)
    expect = items.product_id.map(g.selling_price.last()).where(
        after, items.product_id.map(g.selling_price.first())
    )
    assert (items.unit_price == expect).all()
    assert after.any() and (~after).any()
