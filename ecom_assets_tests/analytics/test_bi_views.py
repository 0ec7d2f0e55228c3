"""The bi star schema on the hand-made warehouse: what each view holds, the drill-downs BI users
make through it, and the descriptions BI tools read (through SQLAlchemy's inspector, as
Metabase's and Superset's PostgreSQL drivers do)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import dagster as dg
import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from ecom_assets.defs.analytics import assets as analytics_assets
from ecom_assets.defs.analytics import bi
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.lib import descriptions
from ecom_assets_tests.analytics import seed
from ecom_assets_tests.analytics.conftest import Built
from ecom_assets_tests.conftest import create_database, drop_database

PASSWORD = "bi-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def published(built: Built) -> Iterator[tuple[Built, str]]:
    """bi_access run once on the module's warehouse, with a BI role of its own."""
    role = f"ecom_bi_{uuid.uuid4().hex[:8]}"
    mp = pytest.MonkeyPatch()
    mp.setenv(bi.ENV_BI_USER, role)
    mp.setenv(bi.ENV_BI_PASSWORD, PASSWORD)
    try:
        result = dg.materialize(
            [bi.bi_access], resources={"warehouse": PostgresResource(database_url=built.url)}
        )
        assert result.success
        yield built, role
    finally:
        mp.undo()
        with psycopg.connect(built.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _rows(url: str, query: str, *params: object) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params or None).fetchall()


def test_dimensions_now_and_in_history(published: tuple[Built, str]) -> None:
    built, _ = published
    # C8 has two versions: once in history, once now; plus the unknown member in both
    assert _rows(built.url, "SELECT count(*) FROM bi.dim_customers")[0][0] == len(seed.CUSTOMERS) + 1
    assert _rows(built.url, "SELECT count(*) FROM bi.dim_customers_history")[0][0] == len(seed.CUSTOMERS) + 2
    assert _rows(built.url, "SELECT customer_segment FROM bi.dim_customers WHERE customer_id = 'C8'") == [
        ("Premium",)
    ]
    columns = {
        r[0]
        for r in _rows(
            built.url,
            "SELECT attname FROM pg_attribute WHERE attrelid = 'bi.dim_customers'::regclass AND attnum > 0",
        )
    }
    assert {"customer_sk", "customer_id", "customer_segment", "valid_from", "city"} <= columns
    assert not columns & {*bi.CONTACT_COLUMNS, "attr_hash", "valid_to", "is_current"}
    history = {
        r[0]
        for r in _rows(
            built.url,
            "SELECT attname FROM pg_attribute WHERE attrelid = 'bi.dim_products_history'::regclass AND attnum > 0",
        )
    }
    assert {"valid_from", "valid_to", "is_current", "cost_price"} <= history and "attr_hash" not in history


def test_point_in_time_and_current_joins(published: tuple[Built, str]) -> None:
    """The facts' surrogate keys give the product as it was; the natural key gives it as it is."""
    built, _ = published
    rows = _rows(
        built.url,
        "SELECT f.order_id, h.cost_price, p.cost_price FROM bi.fact_order_items f "
        "JOIN bi.dim_products_history h ON h.product_sk = f.product_sk "
        "JOIN bi.dim_products p ON p.product_id = f.product_id "
        "WHERE f.product_id = 'PROD_001' ORDER BY f.order_date, f.order_id",
    )
    assert rows[0] == ("ORD_C5", Decimal("4.00"), Decimal("6.00"))  # ordered under version 1
    assert {r[1] for r in rows[1:]} == {Decimal("6.00")}
    # an unknown product joins the unknown member, so an inner join loses no revenue
    total = _rows(
        built.url,
        "SELECT sum(f.net_revenue) FROM bi.fact_order_items f JOIN bi.dim_products_history h USING (product_sk)",
    )[0][0]
    assert total == _rows(built.url, "SELECT sum(net_revenue) FROM warehouse.fact_order_items")[0][0]


def test_drill_from_campaign_figures_to_their_orders(published: tuple[Built, str]) -> None:
    built, _ = published
    rows = _rows(
        built.url,
        "SELECT a.campaign_id, a.attributed_orders, a.attributed_revenue, count(o.order_id), "
        "coalesce(sum(o.net_revenue), 0) "
        "FROM bi.campaign_attribution a "
        "LEFT JOIN bi.fact_campaign_orders c ON c.campaign_id = a.campaign_id "
        "LEFT JOIN bi.fact_orders o ON o.order_id = c.order_id AND o.order_date = c.order_date "
        "GROUP BY 1, 2, 3 ORDER BY 1",
    )
    assert [(r[0], r[1], r[3]) for r in rows] == [("CAMP_001", 3, 3), ("CAMP_002", 2, 2), ("CAMP_003", 0, 0)]
    assert all(r[2] == r[4] for r in rows)
    orders = _rows(
        built.url,
        "SELECT order_id, touch_event_id FROM bi.fact_campaign_orders WHERE campaign_id = 'CAMP_001' ORDER BY 1",
    )
    assert orders == [("ORD_0004", "EV_0011"), ("ORD_0101", "EV_0020"), ("ORD_0103", "EV_0040")]


def test_as_of_and_calendar_keys(published: tuple[Built, str]) -> None:
    built, _ = published
    first_order = min(o[1] for o in seed.ORDERS)
    assert _rows(built.url, "SELECT * FROM bi.as_of") == [
        (seed.AS_OF, 20251231, seed.AS_OF.replace(day=1), first_order)
    ]
    with psycopg.connect(built.url, autocommit=True) as conn:  # the seed leaves dim_date empty
        conn.execute(
            "INSERT INTO warehouse.dim_date SELECT to_char(d, 'YYYYMMDD')::int, d, 3, 'Wednesday', 1, d, 12, "
            "'December', date_trunc('month', d), 4, 2025, false FROM (SELECT DATE '2025-12-31' AS d) x"
        )
        try:
            row = conn.execute(
                "SELECT d.day_name, m.orders FROM bi.as_of a JOIN bi.dim_date d ON d.date_key = a.as_of_date_key "
                "JOIN bi.monthly_sales m ON m.month = a.as_of_month"
            ).fetchone()
            assert row == ("Wednesday", 6)  # December: 8 orders, one cancelled, one returned
        finally:
            conn.execute("DELETE FROM warehouse.dim_date")


def test_bi_tools_read_a_comment_on_every_view_and_column(published: tuple[Built, str]) -> None:
    """Through SQLAlchemy's inspector, logged in as the BI role, as Metabase and Superset read them."""
    built, role = published
    url = psycopg.conninfo.make_conninfo(built.url, user=role, password=PASSWORD)
    engine = sa.create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url))
    try:
        insp = sa.inspect(engine)
        assert "bi" in insp.get_schema_names()
        views = set(insp.get_view_names(schema="bi"))
        assert views == {v.name for v in bi.views()}
        assert insp.get_table_names(schema="bi") == []
        missing = []
        for view in sorted(views):
            if not (insp.get_table_comment(view, schema="bi")["text"] or "").strip():
                missing.append(view)
            cols = insp.get_columns(view, schema="bi")
            assert cols, view
            missing += [f"{view}.{c['name']}" for c in cols if not (c.get("comment") or "").strip()]
            # and no text in bi.yaml is left for a column the view no longer has
            assert descriptions.stale(f"bi.{view}", [c["name"] for c in cols]) == [], view
        assert missing == []
        comments = {c["name"]: c["comment"] for c in insp.get_columns("fact_orders", schema="bi")}
    finally:
        engine.dispose()
    # one text per column, from one place: the view's join-key wording where bi.yaml has one, else the
    # warehouse table's (which the Dagster column schema shows too)
    assert comments["net_revenue"] == descriptions.column("warehouse.fact_orders", "net_revenue")
    assert "dim_customers_history.customer_sk" in comments["customer_sk"]


def test_one_description_reaches_contract_column_schema_and_comment(published: tuple[Built, str]) -> None:
    built, _ = published
    text = descriptions.column("analytics.daily_sales", "new_customers")
    model, _ = analytics_assets.contracts.CONTRACTS["daily_sales"]
    assert model.to_schema().columns["new_customers"].description == text
    schema = analytics_assets.column_schema("daily_sales")
    assert {c.name: c.description for c in schema.columns}["new_customers"] == text
    comment = _rows(built.url, "SELECT col_description('bi.daily_sales'::regclass, 6)")[0][0]
    assert _rows(
        built.url,
        "SELECT attname FROM pg_attribute WHERE attrelid = 'bi.daily_sales'::regclass AND attnum = 6",
    ) == [("unique_customers",)]
    assert comment == descriptions.column("analytics.daily_sales", "unique_customers")
    assert all(c.description for c in schema.columns)


def test_an_added_view_inherits_descriptions_and_reports_what_it_lacks(
    admin_url: str, tmp_path: Path
) -> None:
    """The extension point other modules use (query_view), and a source table that loses a column."""
    url = create_database(admin_url, prefix="ecom_bi_ext")
    query = tmp_path / "roi_ranking.sql"
    query.write_text(
        "SELECT campaign_id, roi_pct, rank() OVER (ORDER BY roi_pct DESC) AS roi_rank\n"
        "FROM analytics.campaign_attribution;\n"
    )
    extra = bi.query_view(
        "roi_ranking",
        query,
        [],
        description="Campaigns ranked by ROI %.",
        source="analytics.campaign_attribution",
    )
    try:
        with psycopg.connect(url) as conn:
            conn.execute("CREATE SCHEMA analytics")
            conn.execute(
                "CREATE TABLE analytics.campaign_attribution (campaign_id text, roi_pct numeric, budget numeric)"
            )
            mirror = next(v for v in bi.views() if v.name == "campaign_attribution")
            made, undescribed = bi.publish(conn, [mirror, extra])
            assert [v.name for v in made] == ["campaign_attribution", "roi_ranking"]
            assert undescribed == ["roi_ranking.roi_rank"]  # the rest inherit from the source table
            assert conn.execute("SELECT obj_description('bi.roi_ranking'::regclass)").fetchone()[0] == (
                "Campaigns ranked by ROI %."
            )
            assert conn.execute("SELECT col_description('bi.roi_ranking'::regclass, 2)").fetchone()[0] == (
                descriptions.column("analytics.campaign_attribution", "roi_pct")
            )
            # a column the view no longer shows (OR REPLACE cannot drop it): the view is made again
            made, _ = bi.publish(conn, [dataclasses.replace(mirror, exclude=("budget",))])
            cols = conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'bi.campaign_attribution'::regclass "
                "AND attnum > 0 ORDER BY attnum"
            ).fetchall()
            assert cols == [("campaign_id",), ("roi_pct",)]
            assert conn.execute("SELECT col_description('bi.campaign_attribution'::regclass, 2)").fetchone()[
                0
            ]
    finally:
        drop_database(admin_url, url)
