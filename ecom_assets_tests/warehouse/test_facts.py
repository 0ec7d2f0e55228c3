"""Facts: point-in-time keys, measures, idempotent partition replacement, incremental days."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
import psycopg

from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.warehouse import checks, facts
from ecom_assets_tests.conftest import create_database, drop_database
from ecom_assets_tests.warehouse.helpers import (
    D,
    check_eval,
    checksums,
    click,
    customer,
    insert,
    item,
    ledger,
    mat_metadata,
    materialize_dims,
    materialize_facts,
    order,
    prepare,
    product,
    rows,
    stock,
)

JAN = "2026-01-01"


def _stage_orders(conn: psycopg.Connection, orders: list[dict], items: list[dict], fp: str = "v1") -> None:
    insert(conn, "orders", orders)
    insert(conn, "order_items", items)
    for day in sorted({str(o["_day"]) for o in orders} | {str(i["_day"]) for i in items}):
        ledger(conn, "orders", day, fp)
        ledger(conn, "order_items", day, fp)


def _price_change_data(url: str) -> None:
    with psycopg.connect(url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-01 09:00:00")])
        insert(
            conn,
            "products",
            [
                product("P1", "2026-01-01 00:00:00", "6.00", "10.00"),
                product("P1", "2026-01-15 08:00:00", "8.00", "12.00"),
            ],
        )
        _stage_orders(
            conn,
            [
                order("O1", "C1", "2026-01-14", "20.00"),
                order("O2", "C1", "2026-01-15", "36.00", discount="6.00"),
            ],
            [
                item("I1", "O1", "P1", "2026-01-14", 2, "10.00"),
                item("I2", "O2", "P1", "2026-01-15", 3, "12.00"),
            ],
        )


def test_price_change_gives_point_in_time_cost(wh_url: str) -> None:
    _price_change_data(wh_url)
    materialize_dims(wh_url)
    result = materialize_facts(wh_url, JAN)
    items = rows(
        wh_url,
        "SELECT i.order_item_id, i.product_sk = warehouse.version_sk('P1', p.valid_from), p.valid_from, "
        "i.unit_cost, i.cogs, i.discount_share, i.net_revenue, i.gross_profit "
        "FROM warehouse.fact_order_items i JOIN warehouse.dim_products p USING (product_sk) ORDER BY 1",
    )
    # before the change (14th): cost 6, 2 x 10 = 20 net, cogs 12, profit 8 (40 %);
    # on the day of the change (15th): cost 8, 36 - 6 discount = 30 net, cogs 24, profit 6 (20 %)
    assert items == [
        (
            "I1",
            True,
            D("1900-01-01"),
            Decimal("6.00"),
            Decimal("12.00"),
            Decimal("0.00"),
            Decimal("20.00"),
            Decimal("8.00"),
        ),
        (
            "I2",
            True,
            D("2026-01-15"),
            Decimal("8.00"),
            Decimal("24.00"),
            Decimal("6.00"),
            Decimal("30.00"),
            Decimal("6.00"),
        ),
    ]
    orders = rows(
        wh_url,
        "SELECT order_id, net_revenue, cogs, gross_profit, round(gross_profit / net_revenue * 100, 2), "
        "item_count, units, is_recognized FROM warehouse.fact_orders ORDER BY 1",
    )
    assert orders == [
        ("O1", Decimal("20.00"), Decimal("12.00"), Decimal("8.00"), Decimal("40.00"), 1, 2, True),
        ("O2", Decimal("30.00"), Decimal("24.00"), Decimal("6.00"), Decimal("20.00"), 1, 3, True),
    ]
    for fact in ("fact_orders", "fact_order_items"):
        for ev in result.get_asset_check_evaluations():
            if ev.asset_key == dg.AssetKey(["warehouse", fact]):
                assert ev.passed, (fact, ev.check_name, ev.metadata)
    md = mat_metadata(result, "fact_orders")
    assert md["dagster/row_count"] == 2
    assert md["days_rebuilt"] == 2
    assert "2026-01-01..2026-02-01" in md["partition_window"]
    assert "net_revenue" in {c.name for c in md["dagster/column_schema"].columns}
    lineage = md["dagster/column_lineage"].deps_by_column
    assert {d.column_name for d in lineage["net_revenue"]} == {"subtotal", "discount_amount"}


def test_discount_remainder_goes_to_largest_item(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-01 09:00:00")])
        insert(conn, "products", [product("P1", "2026-01-01 00:00:00", "1.00", "3.33")])
        _stage_orders(
            conn,
            [
                order("O1", "C1", "2026-01-10", "10.00", discount="1.00"),
                order("O2", "C1", "2026-01-10", "10.00", discount="0.01"),
                order("O3", "C1", "2026-01-10", "0.00", status="CANCELLED"),
            ],
            [
                item("A1", "O1", "P1", "2026-01-10", 1, "3.33"),
                item("A2", "O1", "P1", "2026-01-10", 1, "3.33"),
                item("A3", "O1", "P1", "2026-01-10", 1, "3.34"),
                item("B2", "O2", "P1", "2026-01-10", 1, "5.00"),
                item("B1", "O2", "P1", "2026-01-10", 1, "5.00"),
                item("Z1", "O3", "P1", "2026-01-10", 1, "0.00", total="0.00"),
            ],
        )
    materialize_dims(wh_url)
    result = materialize_facts(wh_url, JAN, assets=[facts.fact_order_items, facts.fact_orders])
    got = dict(
        (r[0], (r[1], r[2]))
        for r in rows(
            wh_url, "SELECT order_item_id, discount_share, net_revenue FROM warehouse.fact_order_items"
        )
    )
    # O1: shares round(1 x 3.33/10) = 0.33, 0.33, 0.33 -> items 9.01 vs order 9.00: -0.01 goes to
    # the largest item A3 (share 0.34). O2: shares 0.01 each -> 9.98 vs 9.99: the tie on 5.00
    # goes to the lowest id B1 (share 0.00). O3: subtotal 0 -> share 0.
    assert got == {
        "A1": (Decimal("0.33"), Decimal("3.00")),
        "A2": (Decimal("0.33"), Decimal("3.00")),
        "A3": (Decimal("0.34"), Decimal("3.00")),
        "B1": (Decimal("0.00"), Decimal("5.00")),
        "B2": (Decimal("0.01"), Decimal("4.99")),
        "Z1": (Decimal("0.00"), Decimal("0.00")),
    }
    recognized = rows(wh_url, "SELECT order_id, is_recognized FROM warehouse.fact_orders ORDER BY 1")
    assert recognized == [("O1", True), ("O2", True), ("O3", False)]
    assert check_eval(result, "fact_orders", checks.NET_REVENUE_RECONCILES).passed


def test_unknown_customer_lands_on_minus_one_and_is_repaired_later(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-01 09:00:00")])
        insert(conn, "products", [product("P1", "2026-01-01 00:00:00", "1.00", "5.00")])
        _stage_orders(
            conn,
            [order("O1", "C1", "2026-01-10", "5.00"), order("O2", "C_LATE", "2026-01-11", "5.00")],
            [
                item("I1", "O1", "P1", "2026-01-10", 1, "5.00"),
                item("I2", "O2", "P_NEW", "2026-01-11", 1, "5.00"),
            ],
        )
    materialize_dims(wh_url)
    result = materialize_facts(wh_url, JAN, assets=[facts.fact_order_items, facts.fact_orders])
    assert rows(wh_url, "SELECT order_id, customer_sk FROM warehouse.fact_orders WHERE customer_sk = -1") == [
        ("O2", -1)
    ]
    unknown = check_eval(result, "fact_orders", checks.UNKNOWN_MEMBERS)
    assert not unknown.passed
    assert unknown.severity == dg.AssetCheckSeverity.WARN
    assert unknown.metadata["unknown_customers"].value == 1
    items_unknown = check_eval(result, "fact_order_items", checks.UNKNOWN_MEMBERS)
    assert items_unknown.metadata["unknown_products"].value == 1
    assert check_eval(result, "fact_orders", checks.KEYS_RESOLVE).passed
    # unknown product: no unit cost, no cogs
    assert rows(
        wh_url, "SELECT unit_cost, cogs FROM warehouse.fact_order_items WHERE order_item_id = 'I2'"
    ) == [(None, Decimal("0.00"))]

    # the customer arrives later: the dimension logs the new key and the next fact run rebuilds
    # only the day that references it, without a full refresh and without a staging change
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C_LATE", "2026-02-01 09:00:00", registered="2026-01-20")])
    materialize_dims(wh_url)
    result = materialize_facts(wh_url, JAN, assets=[facts.fact_order_items, facts.fact_orders])
    late_sk = rows(wh_url, "SELECT warehouse.version_sk('C_LATE', '1900-01-01')")[0][0]
    assert rows(wh_url, "SELECT customer_sk FROM warehouse.fact_orders WHERE order_id = 'O2'") == [(late_sk,)]
    md = mat_metadata(result, "fact_order_items")
    assert (md["days_rebuilt"], md["days_rebuilt_for_dimension_changes"]) == (1, 1)
    # fact_orders follows its items' rebuild of that day (and the customer change itself)
    assert mat_metadata(result, "fact_orders")["days_rebuilt"] == 1
    assert check_eval(result, "fact_orders", checks.UNKNOWN_MEMBERS).passed
    # ... and the order (11 Jan) predates that customer's registration (20 Jan): counted, warn
    before = check_eval(result, "fact_orders", checks.BEFORE_REGISTRATION)
    assert (before.passed, before.severity, before.metadata["failures"].value) == (
        False,
        dg.AssetCheckSeverity.WARN,
        1,
    )


def test_total_amount_identity_is_counted(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-01 09:00:00")])
        _stage_orders(
            conn,
            [
                order("O1", "C1", "2026-01-10", "10.00", shipping="2.00", tax="1.00"),  # 13.00
                order("O2", "C1", "2026-01-10", "10.00", total="10.01"),  # a cent off: fine
                order("O3", "C1", "2026-01-10", "10.00", total="10.50"),  # bad
            ],
            [],
        )
    materialize_dims(wh_url)
    result = materialize_facts(wh_url, JAN, assets=[facts.fact_order_items, facts.fact_orders])
    ev = check_eval(result, "fact_orders", checks.TOTAL_AMOUNT_IDENTITY)
    assert (ev.passed, ev.metadata["failures"].value) == (False, 1)
    assert rows(
        wh_url, "SELECT item_count, units, cogs FROM warehouse.fact_orders WHERE order_id = 'O1'"
    ) == [(0, 0, Decimal("0.00"))]


def test_subtotal_identity_is_counted(wh_url: str) -> None:
    """DATA_CONTRACT: subtotal = sum(total_price of the order's items) within one cent."""
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-01 09:00:00")])
        insert(conn, "products", [product("P1", "2026-01-01 09:00:00", cost="4.00", price="10.00")])
        _stage_orders(
            conn,
            [
                order("O1", "C1", "2026-01-10", "20.00"),  # items 2 x 10.00: holds
                order("O2", "C1", "2026-01-10", "10.01"),  # items 10.00: a cent off, fine
                order("O3", "C1", "2026-01-10", "15.00"),  # items 10.00: bad
            ],
            [
                item("I1", "O1", "P1", "2026-01-10", 2, "10.00"),
                item("I2", "O2", "P1", "2026-01-10", 1, "10.00"),
                item("I3", "O3", "P1", "2026-01-10", 1, "10.00"),
            ],
        )
    materialize_dims(wh_url)
    result = materialize_facts(wh_url, JAN, assets=[facts.fact_order_items, facts.fact_orders])
    ev = check_eval(result, "fact_orders", checks.SUBTOTAL_IDENTITY)
    assert (ev.passed, ev.metadata["failures"].value) == (False, 1)
    assert ev.severity == dg.AssetCheckSeverity.WARN


def test_orders_without_items_and_items_without_order_are_counted(wh_url: str) -> None:
    """An order_items export cut short leaves recognized orders without items (COGS 0, margin too
    high); an item whose order is not staged on its day is not recognized. Both warn."""
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-01 09:00:00")])
        insert(conn, "products", [product("P1", "2026-01-01 09:00:00", cost="4.00", price="10.00")])
        _stage_orders(
            conn,
            [
                order("O1", "C1", "2026-01-10", "10.00"),  # has its item
                order("O2", "C1", "2026-01-10", "10.00"),  # recognized, no item
                order("O3", "C1", "2026-01-10", "10.00", status="Cancelled"),  # not recognized: fine
            ],
            [
                item("I1", "O1", "P1", "2026-01-10", 1, "10.00"),
                item("I9", "O9", "P1", "2026-01-10", 1, "10.00"),  # its order is nowhere
            ],
        )
    materialize_dims(wh_url)
    result = materialize_facts(wh_url, JAN, assets=[facts.fact_order_items, facts.fact_orders])
    orders_ev = check_eval(result, "fact_orders", checks.ORDERS_WITHOUT_ITEMS)
    items_ev = check_eval(result, "fact_order_items", checks.ITEMS_WITHOUT_ORDER)
    assert (orders_ev.passed, orders_ev.metadata["failures"].value) == (False, 1)
    assert (items_ev.passed, items_ev.metadata["failures"].value) == (False, 1)
    assert orders_ev.severity == items_ev.severity == dg.AssetCheckSeverity.WARN
    # the report's counts over the whole history (one full join of the two facts) agree
    from ecom_assets.defs.analytics.report import problem_statements

    both = next(s for s in problem_statements() if "recognized_orders_without_items" in s)
    with psycopg.connect(wh_url) as conn:
        cur = conn.execute(both)
        counts = dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))
    assert counts == {"recognized_orders_without_items": 1, "items_without_their_order": 1}


def test_clickstream_and_inventory(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-01 09:00:00")])
        insert(conn, "products", [product("P1", "2026-01-01 00:00:00", "1.00", "5.00")])
        insert(
            conn,
            "clickstream",
            [
                click(
                    "E1",
                    "2026-01-05 10:00:00",
                    "https://shop.example/?utm_source=g&utm_campaign=CAMP_7&x=1",
                    "C1",
                ),
                click(
                    "E2", "2026-01-05 23:59:59", "https://shop.example/p/1?utm_campaign=CAMP_8", None, "P1"
                ),
                click(
                    "E3", "2026-01-06 00:00:00", "https://shop.example/p/1?my_utm_campaign=no", "C_X", "P_X"
                ),
            ],
        )
        insert(conn, "inventory", [stock("V1", "P1", "2026-01-05"), stock("V2", "P_X", "2026-01-05")])
        for day in ("2026-01-05", "2026-01-06"):
            ledger(conn, "clickstream", day)
        ledger(conn, "inventory", "2026-01-05")
    materialize_dims(wh_url)
    result = materialize_facts(wh_url, JAN, assets=[facts.fact_clickstream, facts.fact_inventory])
    c1 = rows(
        wh_url, "SELECT warehouse.version_sk('C1', '1900-01-01'), warehouse.version_sk('P1', '1900-01-01')"
    )[0]
    got = rows(
        wh_url,
        "SELECT event_id, event_date, customer_sk, product_sk, utm_campaign FROM warehouse.fact_clickstream ORDER BY 1",
    )
    assert got == [
        ("E1", D("2026-01-05"), c1[0], None, "CAMP_7"),
        ("E2", D("2026-01-05"), None, c1[1], "CAMP_8"),
        ("E3", D("2026-01-06"), -1, -1, None),
    ]
    assert rows(wh_url, "SELECT inventory_id, product_sk FROM warehouse.fact_inventory ORDER BY 1") == [
        ("V1", c1[1]),
        ("V2", -1),
    ]
    assert (
        check_eval(result, "fact_clickstream", checks.UNKNOWN_MEMBERS).metadata["unknown_customers"].value
        == 1
    )
    assert check_eval(result, "fact_clickstream", checks.ROWS_RECONCILE).passed
    assert check_eval(result, "fact_inventory", checks.ROWS_RECONCILE).passed


def _three_months(url: str) -> None:
    with psycopg.connect(url) as conn:
        insert(
            conn,
            "customers",
            [customer("C1", "2026-01-01 09:00:00"), customer("C1", "2026-02-15 09:00:00", "Premium")],
        )
        insert(
            conn,
            "products",
            [
                product("P1", "2026-01-01 00:00:00", "6.00", "10.00"),
                product("P1", "2026-03-02 00:00:00", "7.00", "10.00"),
            ],
        )
        orders, items = [], []
        for n, day in enumerate(
            ["2026-01-03", "2026-01-31", "2026-02-01", "2026-02-20", "2026-03-01", "2026-03-02"]
        ):
            orders.append(order(f"O{n}", "C1", day, "30.00", discount="1.00"))
            items += [
                item(f"I{n}a", f"O{n}", "P1", day, 1, "10.00"),
                item(f"I{n}b", f"O{n}", "P1", day, 2, "10.00"),
            ]
        _stage_orders(conn, orders, items)
        insert(conn, "clickstream", [click("E1", "2026-02-03 10:00:00", "/x?utm_campaign=C", "C1")])
        ledger(conn, "clickstream", "2026-02-03")
        insert(conn, "inventory", [stock("V1", "P1", "2026-03-01")])
        ledger(conn, "inventory", "2026-03-01")


def test_range_backfill_equals_month_by_month(wh_url: str, admin_url: str) -> None:
    other = create_database(admin_url)
    try:
        prepare(other)
        for url in (wh_url, other):
            _three_months(url)
            materialize_dims(url)
        result = materialize_facts(wh_url, range_=("2026-01-01", "2026-03-01"))
        assert result.success
        for month in ("2026-01-01", "2026-02-01", "2026-03-01"):
            materialize_facts(other, month)
        assert checksums(wh_url) == checksums(other)
        assert rows(wh_url, "SELECT count(*), sum(net_revenue) FROM warehouse.fact_orders") == [
            (6, Decimal("174.00"))
        ]
        # one materialization per partition of the range, from one run
        mats = [
            e.event_specific_data.materialization.partition
            for e in result.get_asset_materialization_events()
            if e.event_specific_data.materialization.asset_key == dg.AssetKey(["warehouse", "fact_orders"])
        ]
        assert sorted(mats) == ["2026-01-01", "2026-02-01", "2026-03-01"]
    finally:
        drop_database(admin_url, other)


def test_partitions_are_created_on_demand_and_one_day_reads_one(wh_url: str) -> None:
    _three_months(wh_url)
    materialize_dims(wh_url)

    def children() -> list[str]:
        return [
            r[0]
            for r in rows(
                wh_url,
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'warehouse.fact_orders'::regclass ORDER BY 1",
            )
        ]

    assert children() == []
    materialize_facts(wh_url, "2026-02-01")
    assert children() == ["fact_orders_2026_02"]
    materialize_facts(wh_url, range_=("2026-01-01", "2026-03-01"))
    assert children() == ["fact_orders_2026_01", "fact_orders_2026_02", "fact_orders_2026_03"]
    plan = "\n".join(
        r[0]
        for r in rows(
            wh_url, "EXPLAIN SELECT * FROM warehouse.fact_orders WHERE order_date = DATE '2026-02-20'"
        )
    )
    assert "fact_orders_2026_02" in plan
    assert "fact_orders_2026_01" not in plan and "fact_orders_2026_03" not in plan
    # New months are loaded bare and attached: each partition ends up with every index of the
    # parent, attached to it (the primary key included), and the rows are all there.
    for fact in ("fact_orders", "fact_order_items"):
        parent_indexes = rows(
            wh_url,
            "SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass",
            (f"warehouse.{fact}",),
        )[0][0]
        assert parent_indexes >= 4
        for month in ("2026_01", "2026_02", "2026_03"):
            attached = rows(
                wh_url,
                "SELECT count(*) FROM pg_index x JOIN pg_inherits i ON i.inhrelid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass",
                (f"warehouse.{fact}_{month}",),
            )[0][0]
            assert attached == parent_indexes, (fact, month)
    per_month = rows(
        wh_url,
        "SELECT date_trunc('month', order_date)::date::text, count(*) FROM warehouse.fact_orders "
        "GROUP BY 1 ORDER BY 1",
    )
    staged = rows(
        wh_url,
        "SELECT date_trunc('month', _day)::date::text, count(DISTINCT order_id) FROM staging.orders "
        "GROUP BY 1 ORDER BY 1",
    )
    assert per_month == staged and len(per_month) == 3


def test_rematerializing_changes_nothing_and_a_new_day_costs_one_day(wh_url: str) -> None:
    _three_months(wh_url)
    materialize_dims(wh_url)
    materialize_facts(wh_url, "2026-01-01")
    first = checksums(wh_url)
    again = materialize_facts(wh_url, "2026-01-01")
    assert checksums(wh_url) == first
    md = mat_metadata(again, "fact_orders")
    assert (md["days_rebuilt"], md["days_skipped"]) == (0, 2)
    full = materialize_facts(wh_url, "2026-01-01", full_refresh=True)
    assert mat_metadata(full, "fact_orders")["days_rebuilt"] == 2
    assert checksums(wh_url) == first

    # a new day lands: only that day is rebuilt, the others are skipped
    with psycopg.connect(wh_url) as conn:
        _stage_orders(
            conn,
            [order("O9", "C1", "2026-01-20", "10.00")],
            [item("I9", "O9", "P1", "2026-01-20", 1, "10.00")],
        )
    new_day = materialize_facts(wh_url, "2026-01-01", assets=[facts.fact_order_items, facts.fact_orders])
    md = mat_metadata(new_day, "fact_orders")
    assert (md["days_rebuilt"], md["days_skipped"], md["rebuilt_days"]) == (1, 2, "2026-01-20")
    assert rows(wh_url, "SELECT count(*) FROM warehouse.fact_orders")[0][0] == 3

    # a day whose staged input disappears is removed from the fact
    with psycopg.connect(wh_url) as conn:
        for t in ("orders", "order_items"):
            conn.execute(
                psycopg.sql.SQL("DELETE FROM {} WHERE _day = '2026-01-20'").format(
                    psycopg.sql.Identifier("staging", t)
                )
            )
            conn.execute("DELETE FROM ops.staging_loads WHERE table_name = %s AND day = '2026-01-20'", (t,))
    gone = materialize_facts(wh_url, "2026-01-01", assets=[facts.fact_order_items, facts.fact_orders])
    assert mat_metadata(gone, "fact_orders")["days_removed"] == 1
    assert checksums(wh_url) == first


def test_failure_mid_load_keeps_previous_rows(wh_url: str) -> None:
    _three_months(wh_url)
    materialize_dims(wh_url)
    materialize_facts(wh_url, "2026-01-01")
    before = checksums(wh_url)
    ledger_before = rows(wh_url, "SELECT * FROM ops.fact_builds ORDER BY 1, 2")
    # a bad staged row (no status) on a changed day: the fact's NOT NULL rejects it after the
    # day's old rows were deleted in the same transaction
    with psycopg.connect(wh_url) as conn:
        conn.execute("ALTER TABLE staging.orders ALTER COLUMN order_status DROP NOT NULL")
        conn.execute("UPDATE staging.orders SET order_status = NULL WHERE order_id = 'O1'")
        ledger(conn, "orders", "2026-01-31", "v2")
    result = materialize_facts(wh_url, "2026-01-01", assets=[facts.fact_orders], raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "order_status" in str(failure.event_specific_data.error)
    assert checksums(wh_url) == before
    assert rows(wh_url, "SELECT * FROM ops.fact_builds ORDER BY 1, 2") == ledger_before


def test_blocking_check_fails_the_step_when_rows_do_not_reconcile(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-01 09:00:00")])
        _stage_orders(
            conn, [order("O0", "C1", "2026-01-10", "5.00"), order("O1", "C1", "2026-01-10", "5.00")], []
        )
    materialize_dims(wh_url)
    assert materialize_facts(wh_url, JAN, assets=[facts.fact_order_items, facts.fact_orders]).success
    # a fact row lost behind the pipeline's back: the day's input is unchanged, so nothing is
    # rebuilt, and the window's reconciliation (2 staged, 1 loaded) fails the step
    with psycopg.connect(wh_url) as conn:
        conn.execute("DELETE FROM warehouse.fact_orders WHERE order_id = 'O1'")
    result = materialize_facts(wh_url, JAN, assets=[facts.fact_orders], raise_on_error=False)
    assert not result.success
    ev = check_eval(result, "fact_orders", checks.ROWS_RECONCILE)
    assert (ev.passed, ev.metadata["staged_rows"].value, ev.metadata["fact_rows"].value) == (False, 2, 1)
    # full_refresh repairs it
    assert materialize_facts(wh_url, JAN, assets=[facts.fact_orders], full_refresh=True).success


def test_checks_can_cover_only_the_rebuilt_days(wh_url: str) -> None:
    _three_months(wh_url)
    materialize_dims(wh_url)
    materialize_facts(wh_url, range_=("2026-01-01", "2026-03-01"))
    with psycopg.connect(wh_url) as conn:
        _stage_orders(
            conn,
            [order("O9", "C1", "2026-02-25", "10.00")],
            [item("I9", "O9", "P1", "2026-02-25", 1, "10.00")],
        )
    result = dg.materialize(
        [facts.fact_order_items, facts.fact_orders],
        resources={"warehouse": PostgresResource(database_url=wh_url)},
        tags={
            "dagster/asset_partition_range_start": "2026-01-01",
            "dagster/asset_partition_range_end": "2026-03-01",
        },
        run_config={
            "ops": {
                a.op.name: {"config": {"check_window": False}}
                for a in (facts.fact_order_items, facts.fact_orders)
            }
        },
    )
    ev = check_eval(result, "fact_orders", checks.ROWS_RECONCILE)
    # only 25 Feb was rebuilt and checked (one order); the row count still covers the range (7)
    assert (ev.passed, ev.metadata["fact_rows"].value) == (True, 1)
    assert ev.metadata["checked_range"].value == "2026-02-25..2026-02-26 (end exclusive)"
    assert mat_metadata(result, "fact_orders")["dagster/row_count"] == 7
