"""Each fact check counts exactly what breaks its rule, one fault at a time.

The check queries compute every count in one pass over the window (one scan of the facts joined
once to their dimensions, one of the staged rows); this test breaks a clean build in one way at
a time, inside a savepoint, and asserts that the counts that move are exactly the ones whose
rule the fault breaks, by exactly the faulty rows.
"""

from __future__ import annotations

import psycopg
import pytest

from ecom_assets.defs.warehouse.common import SQL
from ecom_assets_tests.warehouse.helpers import (
    D,
    click,
    customer,
    insert,
    item,
    ledger,
    materialize_dims,
    materialize_facts,
    order,
    product,
    stock,
)

WINDOW = {"start": D("2026-01-01"), "end": D("2026-02-01")}
# (fact, fault, the counts it must move and by how much); 987654 is a surrogate key no dimension has
FAULTS = [
    ("fact_orders", "UPDATE warehouse.fact_orders SET customer_sk = 987654 WHERE order_id = 'O1'",
     {"unresolved_customer_sk": 1}),
    ("fact_orders", "UPDATE warehouse.fact_orders SET net_revenue = net_revenue + 1 WHERE order_id = 'O2'",
     {"net_revenue_mismatches": 1}),
    ("fact_orders", "DELETE FROM warehouse.fact_order_items WHERE order_id = 'O1'",
     {"orders_without_items": 1, "recognized_orders_without_items": 1}),
    ("fact_orders", "UPDATE warehouse.fact_orders SET is_recognized = false WHERE order_id = 'O1';"
                    "DELETE FROM warehouse.fact_order_items WHERE order_id = 'O1'",
     {"orders_without_items": 1}),
    ("fact_orders", "UPDATE warehouse.fact_orders SET total_amount = total_amount + 5 WHERE order_id = 'O2'",
     {"total_amount_violations": 1}),
    ("fact_orders", "UPDATE warehouse.fact_orders SET subtotal = subtotal + 5, total_amount = total_amount + 5 "
                    "WHERE order_id = 'O2'",
     {"subtotal_violations": 1}),
    ("fact_orders", "UPDATE warehouse.fact_orders SET units = -1 WHERE order_id = 'O3'", {"negative_values": 1}),
    ("fact_orders", "UPDATE warehouse.dim_customers SET registration_date = '2026-01-15' WHERE customer_id = 'C1'",
     {"orders_before_registration": 1}),
    ("fact_orders", "INSERT INTO staging.orders SELECT * FROM staging.orders WHERE order_id = 'O3'",
     {"staged_rows": 1}),
    ("fact_order_items", "UPDATE warehouse.fact_order_items SET product_sk = 987654 WHERE order_item_id = 'I1'",
     {"unresolved_keys": 1}),
    ("fact_order_items", "UPDATE warehouse.fact_order_items SET customer_sk = 987654 WHERE order_item_id = 'I2'",
     {"unresolved_keys": 1}),
    ("fact_order_items", "UPDATE warehouse.fact_order_items SET product_sk = -1 WHERE order_item_id = 'I1'",
     {"unknown_products": 1}),
    ("fact_order_items", "DELETE FROM staging.orders WHERE order_id = 'O2'", {"items_without_order": 1}),
    ("fact_order_items", "UPDATE warehouse.fact_order_items SET quantity = -2 WHERE order_item_id = 'I3'",
     {"negative_values": 1}),
    ("fact_order_items", "INSERT INTO staging.order_items SELECT * FROM staging.order_items "
                         "WHERE order_item_id = 'I3'",
     {"staged_rows": 1}),
    ("fact_clickstream", "UPDATE warehouse.fact_clickstream SET customer_sk = 987654 WHERE event_id = 'E1'",
     {"unresolved_keys": 1}),
    ("fact_clickstream", "UPDATE warehouse.fact_clickstream SET product_sk = 987654 WHERE event_id = 'E1'",
     {"unresolved_keys": 1}),
    ("fact_clickstream", "UPDATE warehouse.fact_clickstream SET customer_sk = NULL, customer_id = NULL "
                         "WHERE event_id = 'E1'",
     {}),  # an anonymous event resolves to nothing by design
    ("fact_clickstream", "UPDATE warehouse.fact_clickstream SET customer_sk = -1 WHERE event_id = 'E1'",
     {"unknown_customers": 1}),
    ("fact_clickstream", "UPDATE warehouse.fact_clickstream SET duration_seconds = -5 WHERE event_id = 'E2'",
     {"negative_values": 1}),
    ("fact_inventory", "UPDATE warehouse.fact_inventory SET product_sk = 987654 WHERE inventory_id = 'V1'",
     {"unresolved_keys": 1}),
    ("fact_inventory", "UPDATE warehouse.fact_inventory SET product_sk = -1 WHERE inventory_id = 'V1'",
     {"unknown_products": 1}),
    ("fact_inventory", "UPDATE warehouse.fact_inventory SET current_stock = -1 WHERE inventory_id = 'V2'",
     {"negative_values": 1}),
    ("fact_inventory", "INSERT INTO staging.inventory SELECT * FROM staging.inventory WHERE inventory_id = 'V2'",
     {"staged_rows": 1}),
]  # fmt: skip


@pytest.fixture(scope="module")
def built(admin_url: str) -> str:
    from ecom_assets_tests.conftest import create_database, drop_database
    from ecom_assets_tests.warehouse.helpers import prepare

    url = create_database(admin_url)
    prepare(url)
    with psycopg.connect(url) as conn:
        insert(
            conn, "customers", [customer("C1", "2026-01-01 09:00:00"), customer("C2", "2026-01-01 09:00:00")]
        )
        insert(conn, "products", [product("P1", "2026-01-01 00:00:00", "6.00", "10.00")])
        insert(conn, "orders", [order("O1", "C1", "2026-01-10", "20.00"), order("O2", "C2", "2026-01-20", "30.00"),
                                order("O3", "C2", "2026-01-21", "10.00")])  # fmt: skip
        insert(conn, "order_items", [item("I1", "O1", "P1", "2026-01-10", 2, "10.00"),
                                     item("I2", "O2", "P1", "2026-01-20", 3, "10.00"),
                                     item("I3", "O3", "P1", "2026-01-21", 1, "10.00")])  # fmt: skip
        insert(conn, "clickstream", [click("E1", "2026-01-10 10:00:00", "/p/P1", "C1", "P1"),
                                     click("E2", "2026-01-11 10:00:00", "/", None, None)])  # fmt: skip
        insert(conn, "inventory", [stock("V1", "P1", "2026-01-10"), stock("V2", "P1", "2026-01-11")])
        for table, days in {
            "orders": ["2026-01-10", "2026-01-20", "2026-01-21"],
            "order_items": ["2026-01-10", "2026-01-20", "2026-01-21"],
            "clickstream": ["2026-01-10", "2026-01-11"],
            "inventory": ["2026-01-10", "2026-01-11"],
        }.items():
            for day in days:
                ledger(conn, table, day)
    materialize_dims(url)
    result = materialize_facts(url, "2026-01-01")
    assert result.success
    yield url
    drop_database(admin_url, url)


def _counts(conn: psycopg.Connection, fact: str) -> dict[str, int]:
    return {k: int(v) for k, v in SQL.one(conn, f"checks_{fact}.sql", WINDOW).items()}


@pytest.mark.parametrize(("fact", "fault", "moved"), FAULTS, ids=[f"{f}:{m or 'none'}" for f, _, m in FAULTS])
def test_each_fault_moves_exactly_its_counts(
    built: str, fact: str, fault: str, moved: dict[str, int]
) -> None:
    with psycopg.connect(built) as conn:
        clean = _counts(conn, fact)
        assert clean["fact_rows"] > 0 and clean["staged_rows"] == clean["staged_keys"] == clean["fact_rows"]
        rule_counts = {k: v for k, v in clean.items() if k not in ("fact_rows", "staged_rows", "staged_keys")}
        assert all(v == 0 for k, v in rule_counts.items() if not k.startswith("unknown_")), clean
        for statement in fault.split(";"):
            conn.execute(statement)
        broken = _counts(conn, fact)
        conn.rollback()
    delta = {k: broken[k] - clean[k] for k in clean if broken[k] != clean[k]}
    assert delta == moved
