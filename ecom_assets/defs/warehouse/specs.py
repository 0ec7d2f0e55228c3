"""The warehouse tables' definitions: each dimension's source, keys and tracked attributes, and
each fact's sources, dimension keys, column lineage and description. The assets in
``dimensions.py`` and ``facts.py`` are built from these, so a table is changed here."""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import dagster as dg
from psycopg import sql

from ecom_assets.defs.warehouse.common import SQL


@dataclass(frozen=True)
class DimSpec:
    """One SCD2 dimension: its staging source, keys and the attributes whose change makes a version."""

    name: str
    source: str
    key: str
    sk: str
    attrs: tuple[str, ...]
    description: str
    # columns computed per version: (name, SQL expression over the attributes; a constant here)
    derived: tuple[tuple[str, str], ...] = ()

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey(["warehouse", self.name])

    def build_sql(self) -> sql.Composed:
        """The SCD2 rebuild of this dimension: ``sql/dim_scd2.sql`` filled from the spec."""
        ids = sql.SQL(", ").join(sql.Identifier(a) for a in self.attrs)
        nulls = sql.SQL(", ").join(sql.SQL("NULL") for _ in self.attrs)
        derived_names = sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(n)) for n, _ in self.derived)
        derived = sql.SQL("").join(sql.SQL(", ") + sql.SQL(expr) for _, expr in self.derived)  # type: ignore[arg-type]
        null_derived = sql.SQL("").join(sql.SQL(", NULL") for _ in self.derived)
        return sql.SQL(SQL.text("dim_scd2.sql")).format(
            dim=sql.Identifier("warehouse", self.name),
            source=sql.Identifier("staging", self.source),
            key=sql.Identifier(self.key),
            sk=sql.Identifier(self.sk),
            attrs=ids,
            derived_names=derived_names,
            derived=derived,
            null_attrs=nulls,
            null_derived=null_derived,
        )

    @property
    def code_version(self) -> str:
        """A change to the template or to this spec rebuilds the dimension."""
        return hashlib.md5(f"{SQL.text('dim_scd2.sql')}|{self.attrs}|{self.derived}".encode()).hexdigest()


DIMENSIONS: dict[str, DimSpec] = {
    d.name: d
    for d in (
        DimSpec(
            "dim_customers",
            "customers",
            "customer_id",
            "customer_sk",
            (
                "first_name", "last_name", "email", "phone", "date_of_birth", "gender", "address",
                "city", "state", "country", "postal_code", "registration_date", "customer_segment",
                "preferred_category", "marketing_consent",
            ),
            "Customers as SCD Type 2: one row per version in effect (day grain, valid_to exclusive), "
            "a deterministic surrogate key per version and the unknown member -1. Facts join it on "
            "customer_id and the event date, so segment history is kept.",
        ),
        DimSpec(
            "dim_products",
            "products",
            "product_id",
            "product_sk",
            (
                "product_name", "description", "category", "subcategory", "brand", "sku",
                "cost_price", "selling_price", "weight_kg", "dimensions", "color", "size", "rating",
                "launch_date", "is_active",
            ),
            "Products as SCD Type 2 with list_margin_pct per version: the cost price in effect on "
            "an order's date is the item's unit cost (point-in-time COGS). Unknown member -1.",
            (("list_margin_pct", "round((selling_price - cost_price) / nullif(selling_price, 0) * 100, 2)"),),
        ),
        DimSpec(
            "dim_marketing_campaigns",
            "marketing_campaigns",
            "campaign_id",
            "campaign_sk",
            (
                "campaign_name", "channel", "start_date", "end_date", "budget", "target_audience",
                "objective", "impressions", "clicks", "conversions", "cost_per_click",
                "conversion_rate", "roi", "is_active",
            ),
            "Marketing campaigns as SCD Type 2 (budget, dates and platform-reported figures by "
            "version). Unknown member -1.",
        ),
    )
}  # fmt: skip


@dataclass(frozen=True)
class FactSpec:
    """One fact table: where its rows come from and which dimension keys it carries."""

    name: str
    date_column: str
    sources: tuple[str, ...]
    dims: tuple[tuple[str, str], ...]  # (dimension, the fact's natural-key column)
    preview_order: tuple[str, ...]
    lineage: Mapping[str, Sequence[tuple[str, str]]]
    description: str
    upstream_fact: str | None = None
    extra_deps: tuple[str, ...] = field(default=())

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey(["warehouse", self.name])

    @property
    def code_version(self) -> str:
        """A change to the fact's SQL rebuilds every day it touches."""
        return SQL.md5(self.name)


FACTS: dict[str, FactSpec] = {
    f.name: f
    for f in (
        FactSpec(
            "fact_order_items",
            "order_date",
            ("order_items", "orders"),
            (("dim_customers", "customer_id"), ("dim_products", "product_id")),
            ("order_date", "order_item_id"),
            {
                "order_item_id": [("order_items", "order_item_id")],
                "order_id": [("order_items", "order_id")],
                "order_date": [("orders", "order_date")],
                "product_id": [("order_items", "product_id")],
                "customer_id": [("orders", "customer_id")],
                "quantity": [("order_items", "quantity")],
                "unit_price": [("order_items", "unit_price")],
                "total_price": [("order_items", "total_price")],
                "discount_share": [
                    ("orders", "discount_amount"), ("orders", "subtotal"), ("order_items", "total_price"),
                ],
                "net_revenue": [
                    ("orders", "discount_amount"), ("orders", "subtotal"), ("order_items", "total_price"),
                ],
                "unit_cost": [("products", "cost_price")],
                "cogs": [("order_items", "quantity"), ("products", "cost_price")],
                "is_recognized": [("orders", "order_status")],
            },
            "One row per order item with the customer and product versions in effect on the order "
            "date, the item's share of the order discount (remainder on the largest item, so items "
            "add up to the order to the cent), net revenue, unit cost, COGS and gross profit.",
        ),
        FactSpec(
            "fact_orders",
            "order_date",
            ("orders",),
            (("dim_customers", "customer_id"),),
            ("order_date", "order_id"),
            {
                "order_id": [("orders", "order_id")],
                "order_date": [("orders", "order_date")],
                "customer_id": [("orders", "customer_id")],
                "order_status": [("orders", "order_status")],
                "is_recognized": [("orders", "order_status")],
                "subtotal": [("orders", "subtotal")],
                "discount_amount": [("orders", "discount_amount")],
                "shipping_cost": [("orders", "shipping_cost")],
                "tax_amount": [("orders", "tax_amount")],
                "total_amount": [("orders", "total_amount")],
                "net_revenue": [("orders", "subtotal"), ("orders", "discount_amount")],
                "cogs": [("order_items", "quantity"), ("products", "cost_price")],
                "item_count": [("order_items", "order_item_id")],
                "units": [("order_items", "quantity")],
                "delivery_date": [("orders", "delivery_date")],
            },
            "One row per order with the customer version in effect on the order date, net revenue "
            "(subtotal - discount), COGS and gross profit from its items, item count, units and the "
            "recognized flag (not Cancelled/Returned).",
            upstream_fact="fact_order_items",
        ),
        FactSpec(
            "fact_clickstream",
            "event_date",
            ("clickstream",),
            (("dim_customers", "customer_id"), ("dim_products", "product_id")),
            ("event_ts", "event_id"),
            {
                "event_id": [("clickstream", "event_id")],
                "session_id": [("clickstream", "session_id")],
                "event_ts": [("clickstream", "timestamp")],
                "event_date": [("clickstream", "timestamp")],
                "customer_id": [("clickstream", "customer_id")],
                "product_id": [("clickstream", "product_id")],
                "event_type": [("clickstream", "event_type")],
                "page_url": [("clickstream", "page_url")],
                "utm_campaign": [("clickstream", "page_url")],
                "duration_seconds": [("clickstream", "duration_seconds")],
            },
            "One row per site event with point-in-time customer/product keys (NULL when anonymous, "
            "-1 when unknown) and utm_campaign parsed from the page URL (campaign touches).",
        ),
        FactSpec(
            "fact_inventory",
            "snapshot_date",
            ("inventory",),
            (("dim_products", "product_id"),),
            ("snapshot_date", "inventory_id"),
            {
                "inventory_id": [("inventory", "inventory_id")],
                "snapshot_date": [("inventory", "snapshot_date")],
                "product_id": [("inventory", "product_id")],
                "warehouse_location": [("inventory", "warehouse_location")],
                "current_stock": [("inventory", "current_stock")],
                "reserved_stock": [("inventory", "reserved_stock")],
            },
            "One row per inventory record and snapshot day with the product version in effect "
            "that day.",
        ),
    )
}  # fmt: skip
