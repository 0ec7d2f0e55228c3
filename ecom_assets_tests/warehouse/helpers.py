"""Hand-made staging rows and materialization helpers for the warehouse tests.

Rows go straight into the staging tables (with a ledger entry in ops.staging_loads, as the
staging layer writes it), so these tests depend on the staging tables, not the staging code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import dagster as dg
import psycopg
from psycopg import sql

from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.staging import ddl as staging_ddl
from ecom_assets.defs.warehouse import common, dimensions, facts
from ecom_assets.lib import postgres

D = dt.date.fromisoformat
DIMS = [dimensions.dim_customers, dimensions.dim_products, dimensions.dim_marketing_campaigns]
FACTS = [facts.fact_order_items, facts.fact_orders, facts.fact_clickstream, facts.fact_inventory]
FACT_TABLES = ["fact_order_items", "fact_orders", "fact_clickstream", "fact_inventory"]


def prepare(url: str, as_of: str = "2026-03-31") -> None:
    with psycopg.connect(url) as conn:
        staging_ddl.ensure_staging_tables(conn)
        staging_ddl.set_as_of(conn, D(as_of))
    common.ensure_warehouse(PostgresResource(database_url=url))


def insert(conn: psycopg.Connection, table: str, rows: Iterable[dict]) -> None:
    for i, row in enumerate(rows):
        row = {"_source_file": f"{table}.csv", "_source_line": i + 2, **row}
        conn.execute(
            sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier("staging", table),
                sql.SQL(", ").join(sql.Identifier(k) for k in row),
                sql.SQL(", ").join(sql.Placeholder() for _ in row),
            ),
            list(row.values()),
        )


def ledger(conn: psycopg.Connection, table: str, day: str, fingerprint: str = "v1") -> None:
    """Record a staged day as the staging layer does (a new fingerprint = a changed file)."""
    n = conn.execute(
        sql.SQL("SELECT count(*) FROM {} WHERE _day = %s").format(sql.Identifier("staging", table)),
        (D(day),),
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO ops.staging_loads VALUES (%s, %s, %s, %s, %s, 0) "
        "ON CONFLICT (table_name, day) DO UPDATE SET fingerprint = excluded.fingerprint, "
        "rows_read = excluded.rows_read, rows_staged = excluded.rows_staged",
        (table, D(day), fingerprint, n, n),
    )


def customer(
    cid: str, updated_at: str, segment: str = "Regular", registered: str = "2026-01-01", **kw
) -> dict:
    return {
        "customer_id": cid,
        "email": f"{cid.lower()}@example.com",
        "registration_date": D(registered),
        "customer_segment": segment,
        "updated_at": dt.datetime.fromisoformat(updated_at),
        **kw,
    }


def product(pid: str, updated_at: str, cost: str, price: str, **kw) -> dict:
    return {
        "product_id": pid,
        "product_name": f"Product {pid}",
        "category": "Electronics",
        "cost_price": cost,
        "selling_price": price,
        "updated_at": dt.datetime.fromisoformat(updated_at),
        **kw,
    }


def order(
    oid: str,
    cid: str,
    day: str,
    subtotal: str,
    discount: str = "0",
    status: str = "Completed",
    shipping: str = "0",
    tax: str = "0",
    total: str | None = None,
) -> dict:
    from decimal import Decimal

    total = total or str(Decimal(subtotal) - Decimal(discount) + Decimal(shipping) + Decimal(tax))
    return {
        "order_id": oid,
        "customer_id": cid,
        "order_date": D(day),
        "order_status": status,
        "subtotal": subtotal,
        "discount_amount": discount,
        "shipping_cost": shipping,
        "tax_amount": tax,
        "total_amount": total,
        "_day": D(day),
    }


def item(iid: str, oid: str, pid: str, day: str, qty: int, unit_price: str, total: str | None = None) -> dict:
    from decimal import Decimal

    return {
        "order_item_id": iid,
        "order_id": oid,
        "product_id": pid,
        "quantity": qty,
        "unit_price": unit_price,
        "total_price": total or str(Decimal(unit_price) * qty),
        "_day": D(day),
    }


def click(
    eid: str, ts: str, page_url: str, customer_id: str | None = None, product_id: str | None = None
) -> dict:
    return {
        "event_id": eid,
        "session_id": "S1",
        "customer_id": customer_id,
        "product_id": product_id,
        "event_type": "page_view",
        "page_url": page_url,
        "timestamp": dt.datetime.fromisoformat(ts),
        "_day": dt.datetime.fromisoformat(ts).date(),
    }


def stock(inv_id: str, pid: str, day: str, current: int = 10) -> dict:
    return {
        "inventory_id": inv_id,
        "product_id": pid,
        "warehouse_location": "North",
        "current_stock": current,
        "snapshot_date": D(day),
        "_day": D(day),
    }


def resources(url: str) -> dict:
    return {"warehouse": PostgresResource(database_url=url)}


def materialize_dims(url: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(DIMS, resources=resources(url))


def materialize_facts(
    url: str,
    partition_key: str | None = None,
    *,
    range_: tuple[str, str] | None = None,
    assets: Sequence[dg.AssetsDefinition] = FACTS,
    full_refresh: bool = False,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    tags = None
    if range_:
        tags = {
            "dagster/asset_partition_range_start": range_[0],
            "dagster/asset_partition_range_end": range_[1],
        }
    run_config = None
    if full_refresh:
        run_config = {
            "ops": {a.op.name: {"config": {"full_refresh": True}} for a in assets},
        }
    return dg.materialize(
        list(assets),
        resources=resources(url),
        partition_key=partition_key,
        tags=tags,
        run_config=run_config,
        raise_on_error=raise_on_error,
    )


def checksums(url: str, tables: Sequence[str] = FACT_TABLES) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        return {t: postgres.table_checksum(conn, f"warehouse.{t}") for t in tables}


def mat_metadata(result: dg.ExecuteInProcessResult, name: str) -> dict[str, object]:
    """The metadata values of the (first) materialization of ``warehouse/<name>``."""
    for ev in result.get_asset_materialization_events():
        mat = ev.event_specific_data.materialization
        if mat.asset_key == dg.AssetKey(["warehouse", name]):
            return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
    raise AssertionError(f"no materialization of {name}")


def check_eval(result: dg.ExecuteInProcessResult, name: str, check: str):  # noqa: ANN201
    for ev in result.get_asset_check_evaluations():
        if ev.asset_key == dg.AssetKey(["warehouse", name]) and ev.check_name == check:
            return ev
    raise AssertionError(f"no evaluation of {name}:{check}")


def rows(url: str, query: str, params: Sequence[object] = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()
