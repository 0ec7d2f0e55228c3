"""Orders, items and clickstream hang together: exact money, keys that resolve, a real funnel."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from ecom_assets.lib import generator
from ecom_assets.lib.contracts import SOURCE_TABLES
from ecom_assets_tests.lib.generator.conftest import TABLES


def _cents(s: pd.Series) -> pd.Series:
    return s.map(lambda v: int(Decimal(v) * 100))


def test_money_identities_hold_exactly(reference: tuple[Path, generator.GenerateReport]) -> None:
    out, _ = reference
    items = pd.read_csv(out / "order_items.csv", dtype=str)
    orders = pd.read_csv(out / "orders.csv", dtype=str)
    unit, line = _cents(items.unit_price), _cents(items.total_price)
    assert (line == items.quantity.astype(int) * unit).all()
    subtotal = line.groupby(items.order_id).sum()
    o = orders.set_index("order_id")
    assert (_cents(o.subtotal) == subtotal.reindex(o.index)).all()
    total = _cents(o.subtotal) - _cents(o.discount_amount) + _cents(o.shipping_cost) + _cents(o.tax_amount)
    assert (total == _cents(o.total_amount)).all()
    assert (_cents(o.discount_amount) <= _cents(o.subtotal)).all()
    assert orders.subtotal.str.match(r"^\d+\.\d\d$").all()  # money always carries 2 decimals


def test_orders_follow_registration_and_reference_customers(frames: dict[str, pd.DataFrame]) -> None:
    cust = frames["customers"].drop_duplicates("customer_id").set_index("customer_id")
    orders = frames["orders"]
    assert orders.customer_id.isin(cust.index).all()
    reg = orders.customer_id.map(cust.registration_date)
    assert (orders.order_date >= reg).all()
    assert orders.order_date.min() == pd.Timestamp(generator.OPENING)
    assert orders.order_date.max() == pd.Timestamp(generator.REFERENCE_END)
    assert cust.registration_date.min() == pd.Timestamp(generator.OPENING)  # the shop's first day
    delivered = orders.delivery_date.notna()
    assert (orders.delivery_date[delivered] > orders.order_date[delivered]).all()


def test_items_and_events_reference_existing_rows(frames: dict[str, pd.DataFrame]) -> None:
    items, orders = frames["order_items"], frames["orders"]
    products = set(frames["products"].product_id)
    customers = set(frames["customers"].customer_id)
    assert items.order_id.isin(orders.order_id).all()
    assert items.product_id.isin(products).all()
    cs = frames["clickstream"]
    assert cs.customer_id.dropna().isin(customers).all()
    assert cs.product_id.dropna().isin(products).all()
    assert cs.customer_id.isna().any()  # anonymous visitors exist
    assert frames["inventory"].product_id.isin(products).all()


def test_order_statuses_mix(frames: dict[str, pd.DataFrame]) -> None:
    shares = frames["orders"].order_status.value_counts(normalize=True)
    assert set(shares.index) == {"Completed", "Shipped", "Processing", "Cancelled", "Returned"}
    assert 0.05 < shares["Cancelled"] + shares["Returned"] < 0.20
    assert shares["Completed"] > 0.6


def test_purchases_match_orders_and_sessions_run_the_funnel(frames: dict[str, pd.DataFrame]) -> None:
    cs, orders = frames["clickstream"], frames["orders"]
    purchases = cs[cs.event_type == "purchase"]
    assert len(purchases) > 2_000
    assert purchases.customer_id.notna().all()
    per_day = orders.groupby([orders.customer_id, orders.order_date.dt.normalize()]).size()
    bought = purchases.groupby([purchases.customer_id, purchases.timestamp.dt.normalize()]).size()
    matched = per_day.reindex(bought.index)
    assert matched.notna().all()  # every purchase event has an order: same customer, same day
    assert (bought <= matched).all()  # and never more purchase events than orders
    # each purchase session: starts with a page_view, runs view -> cart -> checkout -> purchase
    sessions = cs[cs.session_id.isin(purchases.session_id)].sort_values(["session_id", "event_id"])
    first = sessions.groupby("session_id").event_type.first()
    last = sessions.groupby("session_id").event_type.last()
    assert (first == "page_view").all() and (last == "purchase").all()
    assert sessions.groupby("session_id").timestamp.is_monotonic_increasing.all()
    funnel = cs.event_type.value_counts()
    assert funnel["page_view"] > funnel["add_to_cart"] > funnel["checkout_start"] > funnel["purchase"]
    assert funnel["product_view"] > funnel["add_to_cart"]


def test_seasonality_and_weekday_cycle(frames: dict[str, pd.DataFrame]) -> None:
    per_day = frames["orders"].groupby("order_date").size()
    month = per_day.index.month
    peak = per_day[(month == 11) | (month == 12)].mean()
    low = per_day[(month == 2) | (month == 3)].mean()
    assert peak > 1.3 * low  # the first holiday season beats the spring, a young shop as it is
    weekday = per_day.groupby(per_day.index.day_of_week).mean()
    assert weekday[0] > weekday[5]  # Mondays busier than Saturdays
    assert per_day.idxmax() in (pd.Timestamp("2025-11-28"), pd.Timestamp("2025-12-01"))  # BF / CM


@pytest.mark.parametrize("table", TABLES)
def test_generated_frames_pass_the_contract(frames: dict[str, pd.DataFrame], table: str) -> None:
    SOURCE_TABLES[table].model.validate(frames[table], lazy=True)
