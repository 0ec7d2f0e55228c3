"""A small hand-made warehouse whose every metric is worked out on paper in the tests.

As-of date 2025-12-31. Customers C1..C6 each bought once, 90/91/180/181/365/366 days before
the as-of date (churn edges), registered so that their acquisition buckets differ; C7 never
bought; C8 is the busy customer (discount, cancelled, returned, SCD2 segment change); C9..C11
test attribution windows. One order belongs to an unknown customer and holds an unknown
product. Item facts carry what the warehouse computes: the discount share and the cost of the
product version in effect on the order date.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import psycopg

from ecom_assets.defs.staging.ddl import ensure_staging_tables, set_as_of
from ecom_assets.defs.warehouse import common as warehouse_common
from ecom_assets.lib.sql_files import apply_state

AS_OF = dt.date(2025, 12, 31)
OPEN_END = dt.date(9999, 12, 31)


def d(days_before: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days_before)


D = dt.date

# customer_id -> (segment, registration_date)
CUSTOMERS: dict[str, tuple[str, dt.date]] = {
    "C1": ("Premium", d(90)),  # order d(90), same day
    "C2": ("Premium", d(91) - dt.timedelta(days=7)),  # within week (7)
    "C3": ("Regular", d(180) - dt.timedelta(days=8)),  # within month (8)
    "C4": ("Regular", d(181) - dt.timedelta(days=30)),  # within month (30)
    "C5": ("Budget", d(365) - dt.timedelta(days=31)),  # after month (31)
    "C6": ("Budget", d(366) + dt.timedelta(days=1)),  # before registration (-1)
    "C7": ("Budget", D(2025, 1, 1)),  # no purchase
    "C8": ("Premium", D(2025, 11, 30)),  # first order 12-01: within week (1)
    "C9": ("Regular", D(2025, 1, 1)),
    "C10": ("Regular", D(2025, 1, 1)),
    "C11": ("Regular", D(2025, 1, 1)),
}

# product_id -> list of versions (sk, valid_from, valid_to, category, brand, cost, price, rating)
PRODUCTS: dict[str, list[tuple]] = {
    "PROD_001": [
        (101, D(2024, 1, 1), D(2025, 6, 1), "Toys", "Acme", "4.00", "10.00", "4.0"),
        (102, D(2025, 6, 1), OPEN_END, "Toys", "Acme", "6.00", "12.00", "4.5"),
    ],
    "PROD_002": [(201, D(2024, 1, 1), OPEN_END, "Toys", "Bolt", "20.00", "50.00", "3.8")],
    "PROD_003": [(301, D(2024, 1, 1), OPEN_END, "Books", "Acme", "5.00", "8.00", None)],
    "PROD_004": [(401, D(2024, 1, 1), OPEN_END, "Books", "Bolt", "2.00", "10.00", "5.0")],
}
PRODUCT_SK = {pid: versions[-1][0] for pid, versions in PRODUCTS.items()}

# order_id, order_date, customer_id, status, discount, items [(product_id, qty, unit_price, unit_cost)]
ORDERS: list[tuple] = [
    ("ORD_C1", d(90), "C1", "Completed", "0", [("PROD_002", 1, "50.00", "20.00")]),
    ("ORD_C2", d(91), "C2", "Completed", "0", [("PROD_002", 1, "50.00", "20.00")]),
    ("ORD_C3", d(180), "C3", "Shipped", "0", [("PROD_002", 1, "50.00", "20.00")]),
    ("ORD_C4", d(181), "C4", "Completed", "0", [("PROD_002", 1, "50.00", "20.00")]),
    ("ORD_C5", d(365), "C5", "Completed", "0", [("PROD_001", 2, "10.00", "4.00")]),  # P1 v1 cost
    ("ORD_C6", d(366), "C6", "Completed", "0", [("PROD_002", 1, "50.00", "20.00")]),
    (
        "ORD_0001",
        D(2025, 12, 1),
        "C8",
        "Completed",
        "5.00",
        [("PROD_001", 2, "10.00", "6.00"), ("PROD_002", 1, "30.00", "20.00")],
    ),
    ("ORD_0009", D(2025, 12, 1), "C8", "Processing", "0", [("PROD_001", 1, "10.00", "6.00")]),
    ("ORD_0002", D(2025, 12, 1), "C8", "Cancelled", "0", [("PROD_002", 1, "50.00", "20.00")]),
    ("ORD_0003", D(2025, 12, 15), "C8", "returned", "0", [("PROD_001", 1, "10.00", "6.00")]),
    ("ORD_0004", D(2025, 12, 20), "C8", "Shipped", "0", [("PROD_004", 3, "10.00", "2.00")]),
    ("ORD_0101", D(2025, 12, 20), "C9", "Completed", "0", [("PROD_002", 1, "50.00", "20.00")]),
    ("ORD_0102", D(2025, 12, 20), "C10", "Completed", "0", [("PROD_002", 1, "50.00", "20.00")]),
    ("ORD_0103", D(2025, 12, 12), "C11", "Completed", "10.00", [("PROD_002", 1, "50.00", "20.00")]),
    ("ORD_GHOST", D(2025, 9, 15), "CUST_GHOST", "Completed", "0", [("PROD_GHOST", 1, "20.00", None)]),
]

# campaign_id -> (channel, start, end, budget)
CAMPAIGNS: dict[str, tuple] = {
    "CAMP_001": ("Email", D(2025, 11, 1), D(2025, 12, 31), "100.00"),
    "CAMP_002": ("Social", D(2025, 12, 1), D(2025, 12, 31), "50.00"),
    "CAMP_003": ("Search", D(2025, 12, 10), D(2025, 12, 31), "80.00"),
}

# event_id, customer_id, timestamp, utm_campaign
EVENTS: list[tuple] = [
    ("EV_0001", "C8", dt.datetime(2025, 11, 28, 10), "CAMP_001"),
    ("EV_0002", "C8", dt.datetime(2025, 12, 1, 9), "CAMP_002"),  # last touch for 12-01 orders
    ("EV_0010", "C8", dt.datetime(2025, 12, 18, 12), "CAMP_002"),  # tie on ts ...
    ("EV_0011", "C8", dt.datetime(2025, 12, 18, 12), "CAMP_001"),  # ... higher event_id wins
    ("EV_0020", "C9", dt.datetime(2025, 12, 14, 8), "CAMP_001"),  # order_date - 6: in
    ("EV_0021", "C9", dt.datetime(2025, 12, 21, 8), "CAMP_002"),  # after the order: out
    ("EV_0030", "C10", dt.datetime(2025, 12, 13, 23, 59), "CAMP_001"),  # order_date - 7: out
    ("EV_0040", "C11", dt.datetime(2025, 12, 7, 10), "CAMP_001"),  # valid, earlier
    ("EV_0041", "C11", dt.datetime(2025, 12, 8, 10), "CAMP_003"),  # before CAMP_003 starts: ignored
    ("EV_0050", None, dt.datetime(2025, 12, 20, 10), "CAMP_002"),  # anonymous
    ("EV_0051", "C1", dt.datetime(2025, 10, 1, 10), "CAMP_001"),  # before CAMP_001 starts
    ("EV_0060", "C10", dt.datetime(2025, 12, 20, 9), None),  # not a campaign touch
]

# snapshot_date, product_id, warehouse, current_stock
INVENTORY: list[tuple] = [
    (D(2025, 12, 30), "PROD_001", "WH-A", 10),
    (D(2025, 12, 30), "PROD_001", "WH-B", 20),
    (D(2025, 12, 31), "PROD_001", "WH-A", 14),
    (D(2025, 12, 30), "PROD_002", "WH-A", 9),
    (D(2025, 12, 31), "PROD_002", "WH-A", 9),
    (D(2025, 12, 30), "PROD_003", "WH-A", 5),
    (D(2025, 12, 31), "PROD_003", "WH-A", 7),
    (D(2025, 12, 31), "PROD_GHOST", "WH-A", 100),
]


def _cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def create_schema(conn: psycopg.Connection) -> None:
    ensure_staging_tables(conn)
    warehouse_common.SQL.run(conn, "schema.sql")
    apply_state(conn, "warehouse", warehouse_common.SQL)  # ops.dim_changes, empty ledgers


def _partition(conn: psycopg.Connection, parent: str, day: dt.date) -> None:
    conn.execute("SELECT warehouse.ensure_month_partition(%s, %s)", (parent, day.replace(day=1)))


def seed(conn: psycopg.Connection) -> None:
    """Create the schema and load the hand-made warehouse (caller commits)."""
    create_schema(conn)
    set_as_of(conn, AS_OF)
    unknown_from = D(1900, 1, 1)
    conn.execute(
        "INSERT INTO warehouse.dim_customers (customer_sk, customer_id, valid_from, valid_to, is_current, attr_hash) "
        "VALUES (-1, 'UNKNOWN', %s, %s, true, '')",
        (unknown_from, OPEN_END),
    )
    for i, (cid, (segment, reg)) in enumerate(CUSTOMERS.items(), start=1):
        if cid == "C8":  # an older version in another segment: the current one must win
            conn.execute(
                "INSERT INTO warehouse.dim_customers (customer_sk, customer_id, registration_date, customer_segment, "
                "valid_from, valid_to, is_current, attr_hash) VALUES (800, 'C8', %s, 'Regular', %s, %s, false, 'a')",
                (reg, D(2025, 1, 1), D(2025, 12, 10)),
            )
        conn.execute(
            "INSERT INTO warehouse.dim_customers (customer_sk, customer_id, registration_date, customer_segment, "
            "valid_from, valid_to, is_current, attr_hash) VALUES (%s, %s, %s, %s, %s, %s, true, 'b')",
            (i, cid, reg, segment, D(2025, 12, 10) if cid == "C8" else D(2024, 1, 1), OPEN_END),
        )
    conn.execute(
        "INSERT INTO warehouse.dim_products (product_sk, product_id, valid_from, valid_to, is_current, attr_hash) "
        "VALUES (-1, 'UNKNOWN', %s, %s, true, '')",
        (unknown_from, OPEN_END),
    )
    for pid, versions in PRODUCTS.items():
        for sk, vf, vt, cat, brand, cost, price, rating in versions:
            conn.execute(
                "INSERT INTO warehouse.dim_products (product_sk, product_id, product_name, category, brand, "
                "cost_price, selling_price, rating, valid_from, valid_to, is_current, attr_hash) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'h')",
                (sk, pid, f"Name {pid}", cat, brand, cost, price, rating, vf, vt, vt == OPEN_END),
            )
    conn.execute(
        "INSERT INTO warehouse.dim_marketing_campaigns (campaign_sk, campaign_id, valid_from, valid_to, "
        "is_current, attr_hash) VALUES (-1, 'UNKNOWN', %s, %s, true, '')",
        (unknown_from, OPEN_END),
    )
    for i, (kid, (channel, start, end, budget)) in enumerate(CAMPAIGNS.items(), start=1):
        conn.execute(
            "INSERT INTO warehouse.dim_marketing_campaigns (campaign_sk, campaign_id, campaign_name, channel, "
            "start_date, end_date, budget, impressions, clicks, conversions, roi, valid_from, valid_to, "
            "is_current, attr_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, 1000, 100, 10, 1.5, %s, %s, true, 'h')",
            (i, kid, f"Campaign {kid}", channel, start, end, budget, D(2024, 1, 1), OPEN_END),
        )
    customer_sk = {cid: i for i, cid in enumerate(CUSTOMERS, start=1)}
    item_no = 0
    for order_id, day, cid, status, discount, items in ORDERS:
        _partition(conn, "fact_orders", day)
        _partition(conn, "fact_order_items", day)
        recognized = status.lower() not in ("cancelled", "returned")
        csk = customer_sk.get(cid, -1)
        subtotal = sum(Decimal(p) * q for _, q, p, _ in items)
        disc = Decimal(discount)
        net_total = cogs_total = Decimal(0)
        units = 0
        for pid, qty, price, cost in items:
            item_no += 1
            total = Decimal(price) * qty
            share = _cents(disc * total / subtotal) if subtotal else Decimal(0)
            net = total - share
            cogs = Decimal(cost) * qty if cost else Decimal(0)
            sk = next((v[0] for v in PRODUCTS.get(pid, []) if v[1] <= day < v[2]), -1)
            conn.execute(
                "INSERT INTO warehouse.fact_order_items (order_item_id, order_id, order_date, customer_sk, "
                "product_sk, product_id, quantity, unit_price, total_price, discount_share, net_revenue, "
                "unit_cost, cogs, gross_profit, is_recognized) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    f"ITEM_{item_no:04d}",
                    order_id,
                    day,
                    csk,
                    sk,
                    pid,
                    qty,
                    price,
                    total,
                    share,
                    net,
                    cost,
                    cogs,
                    net - cogs,
                    recognized,
                ),
            )
            net_total += net
            cogs_total += cogs
            units += qty
        assert net_total == subtotal - disc
        conn.execute(
            "INSERT INTO warehouse.fact_orders (order_id, order_date, customer_sk, customer_id, order_status, "
            "is_recognized, subtotal, discount_amount, shipping_cost, tax_amount, total_amount, net_revenue, "
            "cogs, gross_profit, item_count, units) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 5, 3, %s, %s, %s, %s, %s, %s)",
            (
                order_id,
                day,
                csk,
                cid,
                status,
                recognized,
                subtotal,
                disc,
                subtotal - disc + 8,
                net_total,
                cogs_total,
                net_total - cogs_total,
                len(items),
                units,
            ),
        )
    for event_id, cid, ts, utm in EVENTS:
        _partition(conn, "fact_clickstream", ts.date())
        url = (
            f"https://shop.example/landing?utm_source=x&utm_campaign={utm}"
            if utm
            else "https://shop.example/"
        )
        conn.execute(
            "INSERT INTO warehouse.fact_clickstream (event_id, session_id, event_ts, event_date, customer_sk, "
            "customer_id, event_type, page_url, utm_campaign) VALUES (%s, 'S', %s, %s, %s, %s, 'page_view', %s, %s)",
            (event_id, ts, ts.date(), customer_sk.get(cid) if cid else None, cid, url, utm),
        )
    for n, (day, pid, wh, stock) in enumerate(INVENTORY, start=1):
        _partition(conn, "fact_inventory", day)
        conn.execute(
            "INSERT INTO warehouse.fact_inventory (inventory_id, snapshot_date, product_sk, product_id, "
            "warehouse_location, current_stock) VALUES (%s, %s, %s, %s, %s, %s)",
            (f"INV_{n:03d}", day, PRODUCT_SK.get(pid, -1), pid, wh, stock),
        )
    conn.execute(
        "INSERT INTO staging.orders_rejects (_day, source_file, source_line, column_name, value, rule, raw_record) "
        "VALUES (%s, 'orders_2025-12-01.csv', 7, 'subtotal', 'abc', 'not a number', 'ORD_X,abc')",
        (D(2025, 12, 1),),
    )
