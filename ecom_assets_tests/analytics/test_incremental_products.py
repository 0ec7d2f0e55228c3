"""Incremental builds of product_metrics, category_metrics, brand_metrics and campaign_attribution.

On the hand-made warehouse of ``seed.py`` with a fact build ledger (``ops.fact_builds``) written
by the test, so the second build of a table is incremental: the test changes fact rows, gives
the days it touched a new build id (as a fact rebuild does) and builds again. After each
incremental build the table must equal (in rows and physical row order) a ``full_refresh``
rebuild, and the numbers must have moved as the change says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import dagster as dg
import psycopg
import pytest

from ecom_assets.defs.analytics import assets as analytics_assets
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.staging.ddl import set_as_of
from ecom_assets_tests.analytics import seed
from ecom_assets_tests.conftest import create_database, drop_database

SPECS = {s.name: s for s in analytics_assets.TABLES}
PRODUCT_TABLES = ("product_metrics", "category_metrics", "brand_metrics")
FACT_DAY = {
    "fact_orders": "order_date",
    "fact_order_items": "order_date",
    "fact_clickstream": "event_date",
    "fact_inventory": "snapshot_date",
}
D = dt.date


@pytest.fixture
def url(admin_url: str) -> Iterator[str]:
    """A freshly seeded warehouse whose every fact day is in the build ledger."""
    url = create_database(admin_url, prefix="ecom_incr_prod")
    try:
        with psycopg.connect(url) as conn:
            seed.seed(conn)
            for fact, col in FACT_DAY.items():
                days = [r[0] for r in conn.execute(f"SELECT DISTINCT {col} FROM warehouse.{fact}").fetchall()]
                ledger(conn, fact, *days)
        yield url
    finally:
        drop_database(admin_url, url)


def ledger(conn: psycopg.Connection, fact: str, *days: dt.date) -> None:
    """Record a (re)build of ``days`` of ``fact``: a new build id, as the fact assets do."""
    col = FACT_DAY[fact]
    for day in days:
        conn.execute(
            "INSERT INTO ops.fact_builds AS b (table_name, day, source_fingerprint, dim_change_id, build_id, rows_built) "
            f"SELECT %s, %s, 'test', 0, nextval('ops.fact_build_seq'), count(*) FROM warehouse.{fact} WHERE {col} = %s "
            "ON CONFLICT (table_name, day) DO UPDATE SET build_id = excluded.build_id, rows_built = excluded.rows_built",
            (fact, day, day),
        )


def build(url: str, table: str, full_refresh: bool = False) -> dg.MaterializeResult:
    result = analytics_assets.build_table(PostgresResource(database_url=url), SPECS[table], full_refresh)
    failed = [(c.check_name, c.metadata) for c in result.check_results if not c.passed]
    assert not failed, f"{table}: {failed}"
    return result


def rows_in_order(url: str, table: str) -> list[tuple]:
    """The rows as a reader sees them: SELECT * without ORDER BY (physical order)."""
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT * FROM analytics.{table}").fetchall()


def assert_same_as_full(url: str, table: str) -> list[tuple]:
    incremental = rows_in_order(url, table)
    assert build(url, table, full_refresh=True).metadata["build"] == "full"
    assert rows_in_order(url, table) == incremental
    return incremental


def one(url: str, query: str, *params: object) -> tuple:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()


def add_order(
    conn: psycopg.Connection,
    order_id: str,
    day: dt.date,
    customer: str,
    items: list[tuple[str, int, str, str]],
) -> None:
    """A recognized order with items (product_id, qty, unit_price, unit_cost), no discount."""
    for parent in ("fact_orders", "fact_order_items"):
        conn.execute("SELECT warehouse.ensure_month_partition(%s, %s)", (parent, day.replace(day=1)))
    csk = conn.execute(
        "SELECT customer_sk FROM warehouse.dim_customers WHERE customer_id = %s AND is_current", (customer,)
    ).fetchone()[0]
    net = cogs = Decimal(0)
    units = 0
    for n, (pid, qty, price, cost) in enumerate(items, start=1):
        total, c = Decimal(price) * qty, Decimal(cost) * qty
        conn.execute(
            "INSERT INTO warehouse.fact_order_items (order_item_id, order_id, order_date, customer_sk, product_sk, "
            "product_id, quantity, unit_price, total_price, discount_share, net_revenue, unit_cost, cogs, "
            "gross_profit, is_recognized, customer_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s, %s, "
            "true, %s)",
            (f"{order_id}_{n}", order_id, day, csk, seed.PRODUCT_SK[pid], pid, qty, price, total, total, cost, c,
             total - c, customer),
        )  # fmt: skip
        net, cogs, units = net + total, cogs + c, units + qty
    conn.execute(
        "INSERT INTO warehouse.fact_orders (order_id, order_date, customer_sk, customer_id, order_status, "
        "is_recognized, subtotal, discount_amount, shipping_cost, tax_amount, total_amount, net_revenue, cogs, "
        "gross_profit, item_count, units) VALUES (%s, %s, %s, %s, 'Completed', true, %s, 0, 0, 0, %s, %s, %s, %s, %s, %s)",
        (order_id, day, csk, customer, net, net, net, cogs, net - cogs, len(items), units),
    )


def add_touch(conn: psycopg.Connection, event_id: str, customer: str, ts: dt.datetime, campaign: str) -> None:
    conn.execute(
        "SELECT warehouse.ensure_month_partition('fact_clickstream', %s)", (ts.date().replace(day=1),)
    )
    conn.execute(
        "INSERT INTO warehouse.fact_clickstream (event_id, session_id, event_ts, event_date, customer_id, event_type, "
        "page_url, utm_campaign) VALUES (%s, 'S', %s, %s, %s, 'page_view', 'https://shop.example/', %s)",
        (event_id, ts, ts.date(), customer, campaign),
    )


def test_a_new_months_sales_add_up_and_earlier_months_are_not_recomputed(url: str) -> None:
    for table in PRODUCT_TABLES:
        assert build(url, table).metadata["build_reason"] == "first build"
    before = {t: {r[0]: r for r in rows_in_order(url, t)} for t in PRODUCT_TABLES}
    december = one(
        url,
        "SELECT array_agg(xmin::text ORDER BY product_id) FROM ops.product_month WHERE month = '2025-12-01'",
    )

    new_day = D(2026, 1, 5)
    with psycopg.connect(url) as conn:
        # PROD_001 (Toys, Acme): 3 units at 12.00 (cost 6.00) and 1 more in a second order;
        # PROD_003 (Books, Acme): 2 units at 8.00 (cost 5.00) in the first order
        add_order(
            conn,
            "ORD_JAN1",
            new_day,
            "C9",
            [("PROD_001", 3, "12.00", "6.00"), ("PROD_003", 2, "8.00", "5.00")],
        )
        add_order(conn, "ORD_JAN2", new_day, "C10", [("PROD_001", 1, "12.00", "6.00")])
        conn.execute(
            "SELECT warehouse.ensure_month_partition('fact_inventory', %s)", (new_day.replace(day=1),)
        )
        conn.execute(
            "INSERT INTO warehouse.fact_inventory (inventory_id, snapshot_date, product_sk, product_id, "
            "warehouse_location, current_stock) VALUES ('INV_JAN', %s, %s, 'PROD_001', 'WH-A', 45)",
            (new_day, seed.PRODUCT_SK["PROD_001"]),
        )
        set_as_of(conn, new_day)
        for fact in FACT_DAY:
            ledger(conn, fact, new_day)

    for table in PRODUCT_TABLES:
        meta = build(url, table).metadata
        assert (meta["build"], meta["changed_fact_days"], meta["changed_months"]) == (
            "incremental",
            1,
            "2026-01",
        )
    # the December state rows were not rewritten
    assert (
        one(
            url,
            "SELECT array_agg(xmin::text ORDER BY product_id) FROM ops.product_month WHERE month = '2025-12-01'",
        )
        == december
    )

    after = {t: {r[0]: r for r in assert_same_as_full(url, t)} for t in PRODUCT_TABLES}
    # product_metrics: product_id, name, category, brand, units, orders, net, cogs, gp, margin, list margin,
    # rating, avg on hand, turnover, days of supply
    p1_before, p1 = before["product_metrics"]["PROD_001"], after["product_metrics"]["PROD_001"]
    assert p1[4:9] == (
        p1_before[4] + 4,
        p1_before[5] + 2,
        p1_before[6] + Decimal("48.00"),
        p1_before[7] + Decimal("24.00"),
        p1_before[8] + Decimal("24.00"),
    )
    # stock over three snapshot days now: 30 (12-30) + 14 (12-31) + 45 (01-05)
    assert p1[12] == Decimal("29.67")
    # PROD_003's stock did not change, but the days it is averaged over did: (5 + 7) / 3
    assert after["product_metrics"]["PROD_003"][12] == Decimal("4.00")
    # category/brand: units, orders (distinct per group: ORD_JAN1 holds a toy and a book, both Acme)
    toys_b, toys = before["category_metrics"]["Toys"], after["category_metrics"]["Toys"]
    books_b, books = before["category_metrics"]["Books"], after["category_metrics"]["Books"]
    acme_b, acme = before["brand_metrics"]["Acme"], after["brand_metrics"]["Acme"]
    assert (toys[1] - toys_b[1], toys[2] - toys_b[2], toys[3] - toys_b[3]) == (4, 2, Decimal("48.00"))
    assert (books[1] - books_b[1], books[2] - books_b[2], books[3] - books_b[3]) == (2, 1, Decimal("16.00"))
    assert (acme[1] - acme_b[1], acme[2] - acme_b[2], acme[3] - acme_b[3]) == (6, 2, Decimal("64.00"))
    # Bolt sold nothing new; only its stock average moved (18 units over 3 snapshot days, not 2)
    assert after["brand_metrics"]["Bolt"][:8] == before["brand_metrics"]["Bolt"][:8]
    assert (before["brand_metrics"]["Bolt"][8], after["brand_metrics"]["Bolt"][8]) == (
        Decimal("9.00"),
        Decimal("6.00"),
    )


def test_a_changed_day_and_a_removed_day_match_a_full_rebuild(url: str) -> None:
    for table in PRODUCT_TABLES:
        build(url, table)
    with psycopg.connect(url) as conn:
        # ORD_0004 (2025-12-20) is cancelled; the 2025-12-30 snapshot day disappears
        conn.execute(
            "UPDATE warehouse.fact_orders SET is_recognized = false, order_status = 'Cancelled' WHERE order_id = 'ORD_0004'"
        )
        conn.execute(
            "UPDATE warehouse.fact_order_items SET is_recognized = false WHERE order_id = 'ORD_0004'"
        )
        conn.execute("DELETE FROM warehouse.fact_inventory WHERE snapshot_date = '2025-12-30'")
        conn.execute("DELETE FROM ops.fact_builds WHERE table_name = 'fact_inventory' AND day = '2025-12-30'")
        ledger(conn, "fact_orders", D(2025, 12, 20))
        ledger(conn, "fact_order_items", D(2025, 12, 20))
    for table in PRODUCT_TABLES:
        meta = build(url, table).metadata
        assert (meta["build"], meta["changed_fact_days"], meta["changed_months"]) == (
            "incremental",
            2,
            "2025-12",
        )
        assert_same_as_full(url, table)
    p4 = one(
        url,
        "SELECT units_sold, orders, avg_on_hand_units FROM analytics.product_metrics WHERE product_id = 'PROD_004'",
    )
    assert p4 == (0, 0, Decimal("0.00"))
    p1 = one(url, "SELECT avg_on_hand_units FROM analytics.product_metrics WHERE product_id = 'PROD_001'")
    assert p1 == (Decimal("14.00"),)  # the 12-31 snapshot only


def test_a_changed_category_rebuilds_category_metrics_whole(url: str) -> None:
    for table in PRODUCT_TABLES:
        build(url, table)
    with psycopg.connect(url) as conn:
        conn.execute(
            "UPDATE warehouse.dim_products SET category = 'Books' WHERE product_id = 'PROD_002' AND is_current"
        )
    meta = build(url, "category_metrics").metadata
    assert (meta["build"], meta["build_reason"]) == ("full", "dimension attributes changed")
    # the brand mapping did not change: brand_metrics stays incremental (nothing to recompute)
    meta = build(url, "brand_metrics").metadata
    assert (meta["build"], meta["changed_fact_days"]) == ("incremental", 0)
    rows = {r[0]: r for r in assert_same_as_full(url, "category_metrics")}
    assert set(rows) == {"Books", "Toys"}
    assert rows["Toys"][7] == 1 and rows["Books"][7] == 3  # products
    # PROD_002's recognized sales (9 orders of 1 unit) moved to Books, beside PROD_004's order
    # of 3 units; Toys keeps PROD_001 (5 units in 3 orders, one of them also holding PROD_002)
    assert rows["Books"][1:3] == (9 + 3, 9 + 1)
    assert rows["Toys"][1:3] == (5, 3)
    # a later day is incremental again, grouped by the new mapping
    with psycopg.connect(url) as conn:
        add_order(conn, "ORD_NEW", D(2025, 12, 31), "C9", [("PROD_002", 1, "50.00", "20.00")])
        ledger(conn, "fact_orders", D(2025, 12, 31))
        ledger(conn, "fact_order_items", D(2025, 12, 31))
    meta = build(url, "category_metrics").metadata
    assert meta["build"] == "incremental"
    rows = {r[0]: r for r in assert_same_as_full(url, "category_metrics")}
    assert rows["Books"][1:3] == (13, 11)


def test_a_touch_on_a_later_loaded_day_reattributes_orders_up_to_6_days_after_it(url: str) -> None:
    def attributed() -> dict[str, tuple]:
        return {r[0]: (r[10], r[11]) for r in rows_in_order(url, "campaign_attribution")}

    assert build(url, "campaign_attribution").metadata["build"] == "full"
    before = attributed()
    # ORD_0102 (C10, 2025-12-20, 50.00) had no touch in its window (EV_0030 is 7 days before).
    # A touch of C10 for CAMP_003 is loaded for 2025-12-14 (order_date - 6) by a re-delivery of
    # that day; and one for 2025-12-12 (order_date - 8) reaches no order of C10.
    with psycopg.connect(url) as conn:
        add_touch(conn, "EV_0900", "C10", dt.datetime(2025, 12, 14, 7), "CAMP_003")
        add_touch(conn, "EV_0901", "C10", dt.datetime(2025, 12, 12, 7), "CAMP_002")
        ledger(conn, "fact_clickstream", D(2025, 12, 14), D(2025, 12, 12))
    meta = build(url, "campaign_attribution").metadata
    assert meta["build"] == "incremental"
    assert meta["changed_fact_days"] == 2
    after = attributed()
    assert after["CAMP_003"] == (before["CAMP_003"][0] + 1, before["CAMP_003"][1] + Decimal("50.00"))
    assert after["CAMP_001"] == before["CAMP_001"] and after["CAMP_002"] == before["CAMP_002"]
    assert one(url, "SELECT campaign_id, event_id FROM ops.campaign_order WHERE order_id = 'ORD_0102'") == (
        "CAMP_003",
        "EV_0900",
    )
    assert_same_as_full(url, "campaign_attribution")

    # The touch disappears again (the day is re-delivered without it): the order loses it.
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM warehouse.fact_clickstream WHERE event_id = 'EV_0900'")
        ledger(conn, "fact_clickstream", D(2025, 12, 14))
    assert build(url, "campaign_attribution").metadata["build"] == "incremental"
    assert attributed() == before
    assert_same_as_full(url, "campaign_attribution")


def test_a_changed_campaign_window_recomputes_every_order(url: str) -> None:
    build(url, "campaign_attribution")
    # CAMP_003 now starts on 12-08: EV_0041 (C11, 12-08, later than EV_0040) wins ORD_0103
    with psycopg.connect(url) as conn:
        conn.execute(
            "UPDATE warehouse.dim_marketing_campaigns SET start_date = '2025-12-08' WHERE campaign_id = 'CAMP_003'"
        )
    meta = build(url, "campaign_attribution").metadata
    assert (meta["build"], meta["build_reason"]) == ("full", "dimension attributes changed")
    assert one(url, "SELECT campaign_id FROM ops.campaign_order WHERE order_id = 'ORD_0103'") == ("CAMP_003",)
    # a campaign attribute the attribution does not read changes: still incremental
    with psycopg.connect(url) as conn:
        conn.execute(
            "UPDATE warehouse.dim_marketing_campaigns SET budget = 90 WHERE campaign_id = 'CAMP_003'"
        )
    assert build(url, "campaign_attribution").metadata["build"] == "incremental"
    rows = {r[0]: r for r in assert_same_as_full(url, "campaign_attribution")}
    assert rows["CAMP_003"][3] == Decimal("90.00")


def test_as_of_moving_back_drops_later_snapshot_days(url: str) -> None:
    build(url, "product_metrics")
    with psycopg.connect(url) as conn:
        set_as_of(conn, D(2025, 12, 30))
    assert build(url, "product_metrics").metadata["build"] == "incremental"
    assert one(
        url, "SELECT avg_on_hand_units FROM analytics.product_metrics WHERE product_id = 'PROD_001'"
    ) == (Decimal("30.00"),)
    assert_same_as_full(url, "product_metrics")
