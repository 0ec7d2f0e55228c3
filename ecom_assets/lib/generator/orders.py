"""Orders and their items: who buys on a day, what, at which price, and what the order costs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.generator import columns as col
from ecom_assets.lib.generator.timeline import HOUR_WEIGHTS

if TYPE_CHECKING:
    from ecom_assets.lib.generator.world import World

S_ORDERS = 11

SEGMENT_ITEM_PROBS = (  # items per order (1..5) by segment: Premium, Regular, Budget
    (0.26, 0.29, 0.21, 0.14, 0.10),
    (0.35, 0.28, 0.18, 0.12, 0.07),
    (0.44, 0.28, 0.15, 0.08, 0.05),
)
QUANTITY_PROBS = (0.82, 0.13, 0.05)
ORDER_STATUSES = ("Completed", "Shipped", "Processing", "Cancelled", "Returned")
STATUS_PROBS = (0.78, 0.07, 0.03, 0.07, 0.05)
PAYMENT_METHODS = ("Credit Card", "PayPal", "Debit Card", "Apple Pay", "Bank Transfer")
PAYMENT_PROBS = (0.45, 0.22, 0.18, 0.10, 0.05)
TAX_RATE_BP = 825  # 8.25 %, in basis points
FREE_SHIPPING_CENTS = 7_500
MEAN_QUANTITY = sum((i + 1) * p for i, p in enumerate(QUANTITY_PROBS))
_STATUS_PA = pa.array(ORDER_STATUSES)
_PAYMENT_PA = pa.array(PAYMENT_METHODS)


@dataclass
class DayOrders:
    """A day's orders before money: buyer, time of day, items and their products."""

    n: int
    customer: np.ndarray
    seconds: np.ndarray
    n_items: np.ndarray
    item_start: np.ndarray
    item_product: np.ndarray


def order_customers(world: World, ordinal: int) -> tuple[np.random.Generator, np.ndarray]:
    """The buyers of a day (each customer in proportion to their propensity that day): the first
    draws of that day's order stream, so the clickstream can look a week ahead cheaply."""
    n = world.order_count(ordinal)
    eligible = world.customers.eligible(ordinal)
    if eligible == 0:
        n = 0
    gen = col.rng(world.seed, S_ORDERS, ordinal)
    customer = world.customers.pick_buyers(ordinal, gen.random(n)) if n else np.zeros(0, np.int64)
    return gen, customer


def day_orders(world: World, ordinal: int) -> DayOrders:
    gen, customer = order_customers(world, ordinal)
    n = len(customer)
    hours = col.choice(gen, HOUR_WEIGHTS, n)
    seconds = np.sort(hours * 3_600 + gen.integers(0, 3_600, n))
    seg = world.customers.seg[customer]
    item_cum = np.cumsum(np.asarray(SEGMENT_ITEM_PROBS), axis=1)
    n_items = (gen.random(n)[:, None] >= item_cum[seg][:, :-1]).sum(axis=1) + 1
    item_order, _, item_start = col.within_positions(n_items)
    item_seg = seg[item_order]
    u = gen.random(len(item_order))
    product = np.empty(len(item_order), dtype=np.int64)
    for s in range(3):
        sel = item_seg == s
        product[sel] = col.weighted_pick(world.products.segment_cw[s], u[sel])
    return DayOrders(n, customer, seconds, n_items, item_start, product)


def money_rows(world: World, ordinal: int, o: DayOrders) -> dict[str, dict[str, np.ndarray]]:
    """The day's ``orders`` and ``order_items`` rows as numbers (money in cents)."""
    gen = col.rng(world.seed, S_ORDERS, ordinal, 1)
    m = len(o.item_product)
    qty = col.choice(gen, QUANTITY_PROBS, m) + 1
    unit = world.products.unit_price(o.item_product, ordinal)
    line = qty * unit
    subtotal = np.add.reduceat(line, o.item_start) if o.n else np.zeros(0, np.int64)
    item_order = np.repeat(np.arange(o.n), o.n_items)
    items = {
        "day": np.full(m, ordinal, dtype=np.int64),
        "seq": np.arange(1, m + 1),
        "order_seq": item_order + 1,
        "product": o.item_product,
        "quantity": qty,
        "unit": unit,
        "line": line,
        "seconds": o.seconds[item_order],
    }

    pct = np.where(gen.random(o.n) < 0.28, np.asarray((5, 10, 15, 20))[gen.integers(0, 4, o.n)], 0)
    discount = (subtotal * pct + 50) // 100
    net = subtotal - discount
    shipping = np.where(net >= FREE_SHIPPING_CENTS, 0, np.where(gen.random(o.n) < 0.7, 599, 1299))
    tax = (net * TAX_RATE_BP + 5_000) // 10_000
    status = col.choice(gen, STATUS_PROBS, o.n)
    payment = col.choice(gen, PAYMENT_PROBS, o.n)
    ship_days = gen.integers(2, 8, o.n)
    upd_offset = np.select(
        [status == 0, status == 1, status == 2, status == 3],
        [
            ship_days * 86_400 + gen.integers(0, 86_400, o.n),
            gen.integers(3_600, 3 * 86_400, o.n),
            gen.integers(60, 6 * 3_600, o.n),
            gen.integers(600, 2 * 86_400, o.n),
        ],
        default=(ship_days + gen.integers(3, 21, o.n)) * 86_400,
    )
    orders = {
        "day": np.full(o.n, ordinal, dtype=np.int64),
        "seq": np.arange(1, o.n + 1),
        "customer": o.customer,
        "status": status,
        "payment": payment,
        "subtotal": subtotal,
        "discount": discount,
        "shipping": shipping,
        "tax": tax,
        "total": net + shipping + tax,
        "ship_days": ship_days,
        "seconds": o.seconds,
        "upd_seconds": o.seconds + upd_offset,
    }
    return {"order_items": items, "orders": orders}


def format_orders(world: World, c: dict[str, np.ndarray]) -> pa.Table:
    customer = pa.array(c["customer"])
    status = c["status"]
    delivered = (status == 0) | (status == 4)
    return pa.table(
        {
            "order_id": col.day_ids("ORD_", c["day"], c["seq"], 6),
            "customer_id": pc.take(world.customers.ids, customer),
            "order_date": col.dates(c["day"]),
            "order_status": col.take(_STATUS_PA, status),
            "payment_method": col.take(_PAYMENT_PA, c["payment"]),
            "subtotal": col.money(c["subtotal"]),
            "discount_amount": col.money(c["discount"]),
            "shipping_cost": col.money(c["shipping"]),
            "tax_amount": col.money(c["tax"]),
            "total_amount": col.money(c["total"]),
            "shipping_address": pc.take(world.customers.ship_address, customer),
            "delivery_date": col.dates(c["day"] + c["ship_days"], delivered),
            "created_at": col.timestamps(c["day"], c["seconds"]),
            "updated_at": col.timestamps(c["day"], c["upd_seconds"]),
        }
    )


def format_order_items(world: World, c: dict[str, np.ndarray]) -> pa.Table:
    return pa.table(
        {
            "order_item_id": col.day_ids("ITM_", c["day"], c["seq"], 7),
            "order_id": col.day_ids("ORD_", c["day"], c["order_seq"], 6),
            "product_id": pc.take(world.products.ids, pa.array(c["product"])),
            "quantity": pa.array(c["quantity"]),
            "unit_price": col.money(c["unit"]),
            "total_price": col.money(c["line"]),
            "created_at": col.timestamps(c["day"], c["seconds"]),
        }
    )
