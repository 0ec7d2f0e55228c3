"""SCD Type 2 dimensions and dim_date, built from hand-made staged versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import dagster as dg
import psycopg

from ecom_assets.defs.warehouse import checks, common, dimensions, specs
from ecom_assets_tests.warehouse.helpers import (
    D,
    check_eval,
    checksums,
    customer,
    insert,
    mat_metadata,
    materialize_dims,
    order,
    product,
    resources,
    rows,
)

OPEN_END = D("9999-12-31")
FIRST = D("1900-01-01")


def sk(url: str, key: str, valid_from: dt.date) -> int:
    return rows(url, "SELECT warehouse.version_sk(%s, %s)", (key, valid_from))[0][0]


def test_segment_change_closes_and_opens_versions(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(
            conn,
            "customers",
            [
                customer("C1", "2026-01-05 10:00:00", "Regular"),
                # two versions on one day: the last of the day stands (Budget never takes effect)
                customer("C1", "2026-02-10 09:00:00", "Budget"),
                customer("C1", "2026-02-10 18:00:00", "Premium"),
                # a re-export of the unchanged version changes nothing
                customer("C1", "2026-03-01 08:00:00", "Premium"),
                customer("C2", "2026-01-07 10:00:00", "Budget"),
            ],
        )
    result = materialize_dims(wh_url)
    got = rows(
        wh_url,
        "SELECT customer_sk, customer_id, customer_segment, valid_from, valid_to, is_current "
        "FROM warehouse.dim_customers ORDER BY customer_id, valid_from",
    )
    feb10 = D("2026-02-10")
    assert got == [
        (sk(wh_url, "C1", FIRST), "C1", "Regular", FIRST, feb10, False),
        (sk(wh_url, "C1", feb10), "C1", "Premium", feb10, OPEN_END, True),
        (sk(wh_url, "C2", FIRST), "C2", "Budget", FIRST, OPEN_END, True),
        (-1, "UNKNOWN", None, FIRST, OPEN_END, True),
    ]
    for name in (checks.ONE_CURRENT_ROW, checks.VALIDITY_RANGES, checks.HASH_MATCHES):
        assert check_eval(result, "dim_customers", name).passed, name
    md = mat_metadata(result, "dim_customers")
    assert md["dagster/row_count"] == 4
    assert md["current_rows"] == 2


def test_replaying_dimension_input_changes_nothing(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(
            conn,
            "customers",
            [customer("C1", "2026-01-05 10:00:00"), customer("C1", "2026-02-01 10:00:00", "Premium")],
        )
        insert(conn, "products", [product("P1", "2026-01-01 00:00:00", "6.00", "10.00")])
    materialize_dims(wh_url)
    dims = ["dim_customers", "dim_products", "dim_marketing_campaigns"]
    before = checksums(wh_url, dims)
    changes_before = rows(wh_url, "SELECT count(*) FROM ops.dim_changes")[0][0]
    # a later export repeats both versions unchanged (another file, later updated_at for one)
    with psycopg.connect(wh_url) as conn:
        insert(
            conn,
            "customers",
            [
                {**customer("C1", "2026-02-01 10:00:00", "Premium"), "_source_file": "export2.csv"},
                {**customer("C1", "2026-03-05 10:00:00", "Premium"), "_source_file": "export2.csv"},
            ],
        )
    result = materialize_dims(wh_url)
    assert checksums(wh_url, dims) == before
    assert rows(wh_url, "SELECT count(*) FROM ops.dim_changes")[0][0] == changes_before
    assert mat_metadata(result, "dim_customers")["changed_keys"] == 0


def test_dimension_change_log_is_limited_to_the_new_version(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-05 10:00:00")])
    materialize_dims(wh_url)
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-02-20 10:00:00", "Premium")])
    materialize_dims(wh_url)
    last = rows(
        wh_url,
        "SELECT natural_key, changed_from, changed_to FROM ops.dim_changes "
        "WHERE dim_name = 'dim_customers' ORDER BY change_id DESC LIMIT 1",
    )
    # only days from the new version on change their key; earlier facts stay valid
    assert last == [("C1", D("2026-02-20"), OPEN_END)]


def test_product_versions_carry_list_margin(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(
            conn,
            "products",
            [
                product("P1", "2026-01-01 00:00:00", "6.00", "10.00"),
                product("P1", "2026-01-15 12:00:00", "10.00", "30.00"),
            ],
        )
    materialize_dims(wh_url)
    got = rows(
        wh_url,
        "SELECT cost_price, selling_price, list_margin_pct, valid_from, valid_to, is_current "
        "FROM warehouse.dim_products WHERE product_id = 'P1' ORDER BY valid_from",
    )
    # (10 - 6) / 10 * 100 = 40.00; (30 - 10) / 30 * 100 = 66.666.. -> 66.67
    assert got == [
        (Decimal("6.00"), Decimal("10.00"), Decimal("40.00"), FIRST, D("2026-01-15"), False),
        (Decimal("10.00"), Decimal("30.00"), Decimal("66.67"), D("2026-01-15"), OPEN_END, True),
    ]


def test_hash_check_catches_a_tampered_row(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-05 10:00:00")])
    materialize_dims(wh_url)
    with psycopg.connect(wh_url) as conn:
        spec = specs.DIMENSIONS["dim_customers"]
        conn.execute(
            "UPDATE warehouse.dim_customers SET customer_segment = 'Premium' WHERE customer_id = 'C1'"
        )
        conn.execute(
            "INSERT INTO warehouse.dim_customers SELECT 7, customer_id, first_name, last_name, email, phone, "
            "date_of_birth, gender, address, city, state, country, postal_code, registration_date, "
            "customer_segment, preferred_category, marketing_consent, DATE '2026-05-01', DATE '9999-12-31', "
            "true, attr_hash FROM warehouse.dim_customers WHERE customer_id = 'C1'"
        )
        counts = common.SQL.one(
            conn,
            "dim_checks.sql",
            dim=psycopg.sql.Identifier("warehouse", spec.name),
            key=psycopg.sql.Identifier(spec.key),
            sk=psycopg.sql.Identifier(spec.sk),
            attrs=psycopg.sql.SQL(", ").join(psycopg.sql.Identifier(a) for a in spec.attrs),
        )
    # two rows with the tampered segment, two current rows for C1, an overlap with the new row
    assert counts["hash_mismatches"] == 2
    assert counts["keys_without_one_current_row"] == 1
    assert counts["overlaps"] == 1


def test_dim_date_covers_first_data_day_to_horizon(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(conn, "orders", [order("O1", "C1", "2026-01-30", "10.00")])
        conn.execute("UPDATE ops.run_context SET as_of = '2026-02-02'")
    result = dg.materialize(
        [dimensions.dim_date],
        resources=resources(wh_url),
        run_config={"ops": {dimensions.dim_date.op.name: {"config": {"horizon_days": 3}}}},
    )
    assert result.success
    got = rows(wh_url, "SELECT min(date), max(date), count(*) FROM warehouse.dim_date")
    assert got == [(D("2026-01-30"), D("2026-02-05"), 7)]
    sat = rows(
        wh_url,
        "SELECT date_key, day_of_week, day_name, iso_week, week_start, month_name, month_start, "
        "quarter, year, is_weekend FROM warehouse.dim_date WHERE date = '2026-01-31'",
    )
    # 2026-01-01 is a Thursday, so the 31st is a Saturday in ISO week 5 (Monday 26th)
    assert sat == [(20260131, 6, "Saturday", 5, D("2026-01-26"), "January", D("2026-01-01"), 1, 2026, True)]


def test_unchanged_staged_input_skips_the_rebuild(wh_url: str) -> None:
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-05 10:00:00")])
        conn.execute("INSERT INTO ops.staging_loads VALUES ('customers', '2026-01-05', 'f1', 1, 1, 0)")
    assert mat_metadata(materialize_dims(wh_url), "dim_customers")["rebuilt"] is True
    before = checksums(wh_url, ["dim_customers"])
    skipped = materialize_dims(wh_url)
    meta = mat_metadata(skipped, "dim_customers")
    assert meta["rebuilt"] is False
    assert check_eval(skipped, "dim_customers", checks.ONE_CURRENT_ROW).passed
    assert checksums(wh_url, ["dim_customers"]) == before
    # the unchanged dimension is not re-read: its checks report the counts of the build it kept,
    # so a hand edit that bypasses the ledger is only seen by the next rebuild (full_refresh)
    assert meta["checks_from"] == "the build this run skipped (dimension unchanged)"
    with psycopg.connect(wh_url) as conn:
        conn.execute("UPDATE warehouse.dim_customers SET is_current = false WHERE customer_id = 'C1'")
    assert check_eval(materialize_dims(wh_url), "dim_customers", checks.ONE_CURRENT_ROW).passed
    refreshed = dg.materialize(
        [dimensions.dim_customers],
        resources=resources(wh_url),
        run_config={"ops": {dimensions.dim_customers.op.name: {"config": {"full_refresh": True}}}},
    )
    assert mat_metadata(refreshed, "dim_customers")["checks_from"] == "this run"
    assert checksums(wh_url, ["dim_customers"]) == before  # the rebuild repaired the edit
    # a new export lands (new ledger entry): rebuilt with the new version
    with psycopg.connect(wh_url) as conn:
        insert(conn, "customers", [customer("C1", "2026-01-09 10:00:00", "Premium")])
        conn.execute("INSERT INTO ops.staging_loads VALUES ('customers', '2026-01-09', 'f2', 1, 1, 0)")
    assert mat_metadata(materialize_dims(wh_url), "dim_customers")["rebuilt"] is True
    assert rows(
        wh_url, "SELECT customer_segment FROM warehouse.dim_customers WHERE customer_id = 'C1' AND is_current"
    ) == [("Premium",)]
