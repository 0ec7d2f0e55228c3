"""Small hand-made exports and a warehouse with the staging tables, for the staging tests."""

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ecom_assets.defs.staging import ddl as staging_ddl

ORDERS_HEADER = (
    "order_id,customer_id,order_date,order_status,payment_method,subtotal,discount_amount,"
    "shipping_cost,tax_amount,total_amount,shipping_address,delivery_date,created_at,updated_at"
)
ITEMS_HEADER = "order_item_id,order_id,product_id,quantity,unit_price,total_price,created_at"
CUSTOMERS_HEADER = "customer_id,email,registration_date,customer_segment,marketing_consent,updated_at"
PRODUCTS_HEADER = "product_id,product_name,category,cost_price,selling_price,is_active,updated_at"
# one clean customer (CUSTOMERS_HEADER), customer C1 of ``order``
CUSTOMER_C1 = "C1,a@b.c,2025-01-01,Premium,True,2025-01-01 00:00:00"


def order(oid: str, day: str = "2025-10-01", customer: str = "C1", **over: str) -> str:
    """A clean order row: 100.00 - 10.00 + 5.00 + 8.00 = 103.00."""
    values = {
        "order_id": oid,
        "customer_id": customer,
        "order_date": day,
        "order_status": "Completed",
        "payment_method": "card",
        "subtotal": "100.00",
        "discount_amount": "10.00",
        "shipping_cost": "5.00",
        "tax_amount": "8.00",
        "total_amount": "103.00",
        "shipping_address": "1 Main St",
        "delivery_date": "",
        "created_at": f"{day} 10:00:00",
        "updated_at": f"{day} 10:00:00",
    }
    values.update(over)
    return ",".join(values[c] for c in ORDERS_HEADER.split(","))


def write(folder: Path, name: str, header: str, rows: list[str], newline: str = "\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(newline.join([header, *rows, ""]).encode("utf-8"))
    return path


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return tmp_path / "export"


@pytest.fixture
def wh(fresh_db_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to an empty warehouse with the staging tables."""
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        staging_ddl.ensure_staging_tables(c)
        yield c
