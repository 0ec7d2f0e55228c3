"""The source contracts: one pandera ``DataFrameModel`` per staging table.

A model states each column's type, nullability and row rules (DATA_CONTRACT.md). The same
model validates parsed frames before COPY, backs the contract asset checks, generates the
staging DDL (``ddl_for``) and the UI's column schema, so none of them can drift apart.

Each field carries ``metadata={"kind": ...}`` naming its source type (id, text, money,
decimal, int, date, ts, bool) and, for numbers, ``places`` (declared decimals: money 2, a
decimal 4 unless the contract says otherwise); the PostgreSQL type follows from the kind.

The row rules (money identities, date order) are plain functions over a mapping of columns
(``FRAME_RULES``): the pandera model calls them on a DataFrame, the staging loader on the
parsed arrays, so both apply the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ecom_assets.lib import descriptions

PG_TYPES: dict[str, str] = {
    "id": "text",
    "text": "text",
    "money": "numeric(14,2)",
    "decimal": "numeric(12,4)",
    "int": "bigint",
    "date": "date",
    "ts": "timestamp",
    "bool": "boolean",
}

ORDER_STATUSES = ("Completed", "Shipped", "Processing", "Cancelled", "Returned")
SEGMENTS = ("Premium", "Regular", "Budget")
EVENT_TYPES = (
    "page_view",
    "product_view",
    "search",
    "add_to_cart",
    "remove_from_cart",
    "checkout_start",
    "purchase",
)
MIN_DATE = pd.Timestamp("1900-01-01")
MAX_DATE = pd.Timestamp("2100-12-31")
MAX_MONEY = 1e11  # numeric(14,2) holds 12 integer digits


PLACES = {"money": 2, "decimal": 4, "int": 0}


def _f(kind: str, *, required: bool = False, places: int | None = None, **checks: object) -> object:
    """A pandera field: nullable unless required, tagged with its source kind (and decimals)."""
    meta: dict[str, object] = {"kind": kind, "required": required}
    if kind in PLACES:
        meta["places"] = PLACES[kind] if places is None else places
    return pa.Field(nullable=not required, metadata=meta, **checks)


def _money(required: bool = False, **checks: object) -> object:
    if "gt" not in checks:  # > 0 already says >= 0: one rule per bound, so one reject per breach
        checks.setdefault("ge", 0)
    checks.setdefault("lt", MAX_MONEY)
    return _f("money", required=required, **checks)


# ---------------------------------------------------------------- row rules (one definition)

Columns = Mapping[str, Any]  # a DataFrame or a dict of float arrays (NaN for null)


def total_identity(f: Columns) -> Any:
    expected = f["subtotal"] - f["discount_amount"] + f["shipping_cost"] + f["tax_amount"]
    return np.round(np.abs(f["total_amount"] - expected), 2) <= 0.01


def discount_within_subtotal(f: Columns) -> Any:
    return f["discount_amount"] <= f["subtotal"] + 0.005


def total_price_identity(f: Columns) -> Any:
    return np.round(np.abs(f["total_price"] - f["quantity"] * f["unit_price"]), 2) <= 0.01


def dates_ordered(f: Columns) -> Any:
    return f["start_date"] <= f["end_date"]


@dataclass(frozen=True)
class FrameRule:
    error: str
    columns: tuple[str, ...]
    holds: Callable[[Columns], Any]


TOTAL_IDENTITY = FrameRule(
    "total_amount = subtotal - discount_amount + shipping_cost + tax_amount (within 0.01)",
    ("subtotal", "discount_amount", "shipping_cost", "tax_amount", "total_amount"),
    total_identity,
)
DISCOUNT_WITHIN = FrameRule(
    "discount_amount <= subtotal", ("discount_amount", "subtotal"), discount_within_subtotal
)
PRICE_IDENTITY = FrameRule(
    "total_price = quantity * unit_price (within 0.01)",
    ("quantity", "unit_price", "total_price"),
    total_price_identity,
)
DATES_ORDERED = FrameRule("start_date <= end_date", ("start_date", "end_date"), dates_ordered)


def _date(required: bool = False) -> object:
    return _f("date", required=required, in_range={"min_value": MIN_DATE, "max_value": MAX_DATE})


def _ts(required: bool = False) -> object:
    return _f("ts", required=required, in_range={"min_value": MIN_DATE, "max_value": MAX_DATE})


class _Base(pa.DataFrameModel):
    class Config:
        strict = False  # extra columns are allowed and ignored (DATA_CONTRACT.md)
        coerce = False


class Customers(_Base):
    customer_id: Series[str] = _f("id", required=True, str_length={"min_value": 1, "max_value": 64})
    first_name: Series[str] = _f("text")
    last_name: Series[str] = _f("text")
    email: Series[str] = _f("text", required=True, str_matches=r"^[^@\s]+@[^@\s]+$")
    phone: Series[str] = _f("text")
    date_of_birth: Series[pd.Timestamp] = _date()
    gender: Series[str] = _f("text")
    address: Series[str] = _f("text")
    city: Series[str] = _f("text")
    state: Series[str] = _f("text")
    country: Series[str] = _f("text")
    postal_code: Series[str] = _f("text")
    registration_date: Series[pd.Timestamp] = _date(required=True)
    customer_segment: Series[str] = _f("text", required=True, isin=SEGMENTS)
    preferred_category: Series[str] = _f("text")
    marketing_consent: Series[pd.BooleanDtype] = _f("bool")
    created_at: Series[pd.Timestamp] = _ts()
    updated_at: Series[pd.Timestamp] = _ts(required=True)


class Products(_Base):
    product_id: Series[str] = _f("id", required=True, str_length={"min_value": 1, "max_value": 64})
    product_name: Series[str] = _f("text", required=True)
    description: Series[str] = _f("text")
    category: Series[str] = _f("text", required=True)
    subcategory: Series[str] = _f("text")
    brand: Series[str] = _f("text")
    sku: Series[str] = _f("text")
    cost_price: Series[float] = _money(required=True)
    selling_price: Series[float] = _money(required=True, gt=0)
    weight_kg: Series[float] = _f("decimal", ge=0)
    dimensions: Series[str] = _f("text")
    color: Series[str] = _f("text")
    size: Series[str] = _f("text")
    rating: Series[float] = _f("decimal", places=1, in_range={"min_value": 0, "max_value": 5})
    launch_date: Series[pd.Timestamp] = _date()
    is_active: Series[pd.BooleanDtype] = _f("bool")
    created_at: Series[pd.Timestamp] = _ts()
    updated_at: Series[pd.Timestamp] = _ts(required=True)


class Orders(_Base):
    order_id: Series[str] = _f("id", required=True, str_length={"min_value": 1, "max_value": 64})
    customer_id: Series[str] = _f("id", required=True)
    order_date: Series[pd.Timestamp] = _date(required=True)
    order_status: Series[str] = _f("text", required=True, isin=ORDER_STATUSES)
    payment_method: Series[str] = _f("text")
    subtotal: Series[float] = _money(required=True)
    discount_amount: Series[float] = _money(required=True)
    shipping_cost: Series[float] = _money(required=True)
    tax_amount: Series[float] = _money(required=True)
    total_amount: Series[float] = _money(required=True)
    shipping_address: Series[str] = _f("text")
    delivery_date: Series[pd.Timestamp] = _date()
    created_at: Series[pd.Timestamp] = _ts()
    updated_at: Series[pd.Timestamp] = _ts()

    @pa.dataframe_check(error=TOTAL_IDENTITY.error)
    def total_identity(cls, df: pd.DataFrame) -> Series[bool]:
        return TOTAL_IDENTITY.holds(df)

    @pa.dataframe_check(error=DISCOUNT_WITHIN.error)
    def discount_within_subtotal(cls, df: pd.DataFrame) -> Series[bool]:
        return DISCOUNT_WITHIN.holds(df)


class OrderItems(_Base):
    order_item_id: Series[str] = _f("id", required=True, str_length={"min_value": 1, "max_value": 64})
    order_id: Series[str] = _f("id", required=True)
    product_id: Series[str] = _f("id", required=True)
    quantity: Series[pd.Int64Dtype] = _f("int", required=True, ge=1, le=100_000)
    unit_price: Series[float] = _money(required=True, gt=0)
    total_price: Series[float] = _money(required=True)
    created_at: Series[pd.Timestamp] = _ts()

    @pa.dataframe_check(error=PRICE_IDENTITY.error)
    def total_price_identity(cls, df: pd.DataFrame) -> Series[bool]:
        return PRICE_IDENTITY.holds({**df, "quantity": df["quantity"].astype("float64")})


class Clickstream(_Base):
    event_id: Series[str] = _f("id", required=True, str_length={"min_value": 1, "max_value": 64})
    session_id: Series[str] = _f("id", required=True)
    customer_id: Series[str] = _f("id")
    product_id: Series[str] = _f("id")
    event_type: Series[str] = _f("text", required=True, isin=EVENT_TYPES)
    page_url: Series[str] = _f("text", required=True)
    referrer_url: Series[str] = _f("text")
    user_agent: Series[str] = _f("text")
    device_type: Series[str] = _f("text")
    browser: Series[str] = _f("text")
    ip_address: Series[str] = _f("text")
    country: Series[str] = _f("text")
    city: Series[str] = _f("text")
    timestamp: Series[pd.Timestamp] = _ts(required=True)
    duration_seconds: Series[pd.Int64Dtype] = _f("int", ge=0)
    created_at: Series[pd.Timestamp] = _ts()


class MarketingCampaigns(_Base):
    campaign_id: Series[str] = _f("id", required=True, str_length={"min_value": 1, "max_value": 64})
    campaign_name: Series[str] = _f("text", required=True)
    channel: Series[str] = _f("text", required=True)
    start_date: Series[pd.Timestamp] = _date(required=True)
    end_date: Series[pd.Timestamp] = _date(required=True)
    budget: Series[float] = _money(required=True)
    target_audience: Series[str] = _f("text")
    objective: Series[str] = _f("text")
    impressions: Series[pd.Int64Dtype] = _f("int", ge=0)
    clicks: Series[pd.Int64Dtype] = _f("int", ge=0)
    conversions: Series[pd.Int64Dtype] = _f("int", ge=0)
    cost_per_click: Series[float] = _f("decimal", ge=0)
    conversion_rate: Series[float] = _f("decimal", ge=0)
    roi: Series[float] = _f("decimal")
    is_active: Series[pd.BooleanDtype] = _f("bool")
    created_at: Series[pd.Timestamp] = _ts()
    updated_at: Series[pd.Timestamp] = _ts(required=True)

    @pa.dataframe_check(error=DATES_ORDERED.error)
    def dates_ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return DATES_ORDERED.holds(df)


class Inventory(_Base):
    inventory_id: Series[str] = _f("id", required=True, str_length={"min_value": 1, "max_value": 64})
    product_id: Series[str] = _f("id", required=True)
    warehouse_location: Series[str] = _f("text", required=True)
    current_stock: Series[pd.Int64Dtype] = _f("int", required=True, ge=0)
    reserved_stock: Series[pd.Int64Dtype] = _f("int", ge=0)
    reorder_point: Series[pd.Int64Dtype] = _f("int", ge=0)
    max_stock: Series[pd.Int64Dtype] = _f("int", ge=0)
    last_restocked: Series[pd.Timestamp] = _date()
    supplier_id: Series[str] = _f("text")
    lead_time_days: Series[pd.Int64Dtype] = _f("int", ge=0)
    created_at: Series[pd.Timestamp] = _ts()
    updated_at: Series[pd.Timestamp] = _ts()
    snapshot_date: Series[pd.Timestamp] = _date()


@dataclass(frozen=True)
class SourceTable:
    """One source table of DATA_CONTRACT.md and how the pipeline treats it."""

    name: str
    model: type[pa.DataFrameModel]
    key: str
    day_column: str | None  # the column that places an event row on a day; None for dimensions
    is_event: bool

    @property
    def columns(self) -> list[str]:
        return list(self.model.to_schema().columns)

    def column_kinds(self) -> dict[str, str]:
        return {name: col.metadata["kind"] for name, col in self.model.to_schema().columns.items()}

    def required_columns(self) -> list[str]:
        return [name for name, col in self.model.to_schema().columns.items() if col.metadata["required"]]

    def places(self) -> dict[str, int]:
        """Declared decimals of each numeric column."""
        return {
            n: c.metadata["places"]
            for n, c in self.model.to_schema().columns.items()
            if "places" in c.metadata
        }

    @property
    def frame_rules(self) -> tuple[FrameRule, ...]:
        return FRAME_RULES.get(self.name, ())


SOURCE_TABLES: dict[str, SourceTable] = {
    t.name: t
    for t in (
        SourceTable("customers", Customers, "customer_id", None, False),
        SourceTable("products", Products, "product_id", None, False),
        SourceTable("marketing_campaigns", MarketingCampaigns, "campaign_id", None, False),
        SourceTable("orders", Orders, "order_id", "order_date", True),
        SourceTable("order_items", OrderItems, "order_item_id", None, True),
        SourceTable("clickstream", Clickstream, "event_id", "timestamp", True),
        SourceTable("inventory", Inventory, "inventory_id", "snapshot_date", True),
    )
}
FRAME_RULES: dict[str, tuple[FrameRule, ...]] = {
    "orders": (TOTAL_IDENTITY, DISCOUNT_WITHIN),
    "order_items": (PRICE_IDENTITY,),
    "marketing_campaigns": (DATES_ORDERED,),
}
for _t in SOURCE_TABLES.values():  # column descriptions: lib/descriptions/source.yaml
    descriptions.attach(_t.model, f"staging.{_t.name}")
EVENT_TABLES = [t for t in SOURCE_TABLES.values() if t.is_event]
DIMENSION_SOURCES = [t for t in SOURCE_TABLES.values() if not t.is_event]

# Columns the staging tables add to every source row: where it came from, and (event tables)
# the landing day it belongs to, which is the staging partition column.
PROVENANCE_COLUMNS: dict[str, str] = {"_source_file": "text NOT NULL", "_source_line": "bigint NOT NULL"}
DAY_COLUMN = "_day"


def pg_type(kind: str) -> str:
    return PG_TYPES[kind]


def column_ddl(table: SourceTable) -> list[tuple[str, str]]:
    """(column, SQL type with NOT NULL where required) for the staging table, contract order."""
    out = []
    for name, col in table.model.to_schema().columns.items():
        not_null = " NOT NULL" if col.metadata["required"] else ""
        out.append((name, pg_type(col.metadata["kind"]) + not_null))
    return out
