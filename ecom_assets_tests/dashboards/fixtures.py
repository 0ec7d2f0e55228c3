"""A hand-made analytics layer for the dashboard tests.

These tables have the METRICS.md column names (only those the dashboards and the shared
answers read, plus their neighbours) and a few rows whose totals are worked out by hand below,
so a test can say what the page must show.

Hand-worked answers (recognized orders only, as the analytics tables already are):
- net revenue = 150.00 + 80.50 + 269.49 = 499.99; gross profit = 60.00 + 30.25 + 100.00 = 190.25
- orders = 2 + 1 + 3 = 6; AOV = 499.99 / 6 = 83.3316.. -> 83.33
- customers (buyers) = C1, C2, C3 = 3 of 4 registered (C4 never bought); as-of 2025-03-31
- top products by margin (>= 5 units): P1 40.00, P2 30.00, P4 10.00; P3 (70.00, 4 units) is out
- loaded period: 2025-01-15 .. 2025-03-31 = 17 + 28 + 31 = 76 days, so days of supply by category:
  Electronics 50 / (14 / 76) = 271.43, Home 2 / (5 / 76) = 30.40, Sports 5 / (4 / 76) = 95.00
- channels: Email ROI (60 - 100) / 100 = -40.00 %, Social (30.25 - 200) / 200 = -84.88 %,
  Search (0 - 50) / 50 = -100.00 %; one campaign each, so the ROI ranking is CMP1, CMP2, CMP3
- shop-wide margin 190.25 / 499.99 = 38.05 %
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import psycopg
from psycopg import sql

from ecom_assets.defs.analytics import incremental
from ecom_assets.defs.analytics.assets import SQL as ANALYTICS_SQL
from ecom_assets.defs.dashboards import spec

AS_OF = dt.date(2025, 3, 31)

EXPECTED_KPIS = {  # the tiles' headlines
    "net_revenue": "$499.99",
    "gross_profit": "$190.25",
    "orders": "6",
    "buyers": "3",
    "avg_order_value": "$83.33",
    "as_of": "31 Mar 2025",
}
EXPECTED_TOP_PRODUCTS = ["P1", "P2", "P4"]
EXPECTED_ROI_RANKING = ["CMP1", "CMP2", "CMP3"]  # -40.00, -84.88, -100.00
EXPECTED_CATEGORY_DAYS_OF_SUPPLY = {
    "Electronics": Decimal("271.43"),
    "Home": Decimal("30.40"),
    "Sports": Decimal("95.00"),
}
EXPECTED_CHANNEL_ROI = {"Email": Decimal("-40.00"), "Social": Decimal("-84.88"), "Search": Decimal("-100.00")}

DDL = """
DROP SCHEMA IF EXISTS analytics CASCADE;
CREATE SCHEMA analytics;
CREATE SCHEMA IF NOT EXISTS ops;
DROP TABLE IF EXISTS ops.run_context;
CREATE TABLE ops.run_context (as_of date NOT NULL);
CREATE TABLE analytics.daily_sales (
    sales_date date PRIMARY KEY, orders bigint, net_revenue numeric(14,2), gross_profit numeric(14,2),
    avg_order_value numeric(14,2), unique_customers bigint, new_customers bigint,
    cancelled_orders bigint, items_sold bigint);
CREATE TABLE analytics.monthly_sales (
    month date PRIMARY KEY, orders bigint, net_revenue numeric(14,2), gross_profit numeric(14,2),
    avg_order_value numeric(14,2), unique_customers bigint, new_customers bigint,
    cancelled_orders bigint, items_sold bigint);
CREATE TABLE analytics.customer_metrics (
    customer_id text PRIMARY KEY, total_orders bigint, total_spent numeric(14,2),
    avg_order_value numeric(14,2), lifetime_value numeric(14,2), gross_profit numeric(14,2),
    first_order_date date, last_order_date date, first_order_value numeric(14,2),
    days_since_last_order integer, customer_segment text, registration_date date,
    days_to_first_purchase integer, acquisition_bucket text, churn_risk text, churn_risk_score numeric);
CREATE TABLE analytics.segment_metrics (
    customer_segment text PRIMARY KEY, customers bigint, buyers bigint,
    total_lifetime_value numeric(14,2), avg_lifetime_value numeric(14,2),
    share_of_customers_pct numeric, share_of_revenue_pct numeric, high_churn_risk bigint,
    medium_churn_risk bigint, low_churn_risk bigint, no_purchase bigint);
CREATE TABLE analytics.product_metrics (
    product_id text PRIMARY KEY, product_name text, category text, brand text, units_sold bigint,
    orders bigint, net_revenue numeric(14,2), cogs numeric(14,2), gross_profit numeric(14,2),
    margin_pct numeric, list_margin_pct numeric, avg_rating numeric, avg_on_hand_units numeric,
    inventory_turnover numeric, days_of_supply numeric);
CREATE TABLE analytics.category_metrics (
    category text PRIMARY KEY, units_sold bigint, orders bigint, net_revenue numeric(14,2),
    cogs numeric(14,2), gross_profit numeric(14,2), margin_pct numeric, products bigint,
    avg_on_hand_units numeric, inventory_turnover numeric);
CREATE TABLE analytics.brand_metrics (
    brand text PRIMARY KEY, units_sold bigint, orders bigint, net_revenue numeric(14,2),
    cogs numeric(14,2), gross_profit numeric(14,2), margin_pct numeric, products bigint,
    avg_on_hand_units numeric, inventory_turnover numeric);
CREATE TABLE analytics.campaign_attribution (
    campaign_id text PRIMARY KEY, campaign_name text, channel text, budget numeric(14,2), start_date date, end_date date,
    impressions bigint, clicks bigint, conversions bigint, roi numeric, attributed_orders bigint,
    attributed_revenue numeric(14,2), attributed_gross_profit numeric(14,2), roas numeric, roi_pct numeric)
"""

ROWS: dict[str, list[tuple]] = {
    "daily_sales": [
        ("2025-01-15", 2, "150.00", "60.00", "75.00", 2, 2, 0, 3),
        ("2025-02-10", 1, "80.50", "30.25", "80.50", 1, 1, 1, 2),
        ("2025-03-05", 3, "269.49", "100.00", "89.83", 2, 0, 0, 5),
    ],
    "monthly_sales": [
        ("2025-01-01", 2, "150.00", "60.00", "75.00", 2, 2, 0, 3),
        ("2025-02-01", 1, "80.50", "30.25", "80.50", 1, 1, 1, 2),
        ("2025-03-01", 3, "269.49", "100.00", "89.83", 2, 0, 0, 5),
    ],
    "customer_metrics": [
        # id, orders, spent, aov, ltv, gp, first, last, first value, days since, segment, registered,
        # days to first, bucket, churn risk, score
        (
            "C1",
            3,
            "300.00",
            "100.00",
            "300.00",
            "120.00",
            "2025-01-15",
            "2025-03-05",
            "100.00",
            26,
            "Premium",
            "2025-01-10",
            5,
            "Within week",
            "Low",
            "0.1",
        ),
        (
            "C2",
            2,
            "119.49",
            "59.75",
            "119.49",
            "40.00",
            "2025-01-15",
            "2025-03-05",
            "50.00",
            26,
            "Regular",
            "2025-01-15",
            0,
            "Same day",
            "Low",
            "0.1",
        ),
        (
            "C3",
            1,
            "80.50",
            "80.50",
            "80.50",
            "30.25",
            "2025-02-10",
            "2025-02-10",
            "80.50",
            49,
            "Regular",
            "2024-12-01",
            71,
            "After month",
            "Low",
            "0.1",
        ),
        (
            "C4",
            0,
            "0.00",
            None,
            "0.00",
            "0.00",
            None,
            None,
            None,
            None,
            "Budget",
            "2025-02-20",
            None,
            "No purchase",
            "No purchase",
            None,
        ),
    ],
    "segment_metrics": [
        ("Premium", 1, 1, "300.00", "300.00", "25.00", "60.00", 0, 0, 1, 0),
        ("Regular", 2, 2, "199.99", "100.00", "50.00", "40.00", 0, 0, 2, 0),
        ("Budget", 1, 0, "0.00", "0.00", "25.00", "0.00", 0, 0, 0, 1),
    ],
    "product_metrics": [
        (
            "P1",
            "Headphones",
            "Electronics",
            "Acme",
            6,
            3,
            "200.00",
            "120.00",
            "80.00",
            "40.00",
            "42.00",
            "4.5",
            "10",
            "0.60",
            "126.67",
        ),
        (
            "P2",
            "Lamp",
            "Home",
            "Lumo",
            5,
            2,
            "150.00",
            "105.00",
            "45.00",
            "30.00",
            "31.00",
            "4.0",
            "2",
            "2.50",
            "30.40",
        ),
        (
            "P3",
            "Ball",
            "Sports",
            "Kick",
            4,
            2,
            "100.00",
            "30.00",
            "70.00",
            "70.00",
            "70.00",
            "3.9",
            "0",
            None,
            "0.00",
        ),
        (
            "P4",
            "Cable",
            "Electronics",
            "Acme",
            8,
            4,
            "49.99",
            "44.99",
            "5.00",
            "10.00",
            "12.00",
            "4.1",
            "40",
            "0.20",
            "380.00",
        ),
        ("P5", "Mat", "Sports", "Kick", 0, 0, "0.00", "0.00", "0.00", None, "35.00", None, "5", "0.00", None),
    ],
    "category_metrics": [
        ("Electronics", 14, 6, "249.99", "164.99", "85.00", "34.00", 2, "50", "0.28"),
        ("Home", 5, 2, "150.00", "105.00", "45.00", "30.00", 1, "2", "2.50"),
        ("Sports", 4, 2, "100.00", "30.00", "70.00", "70.00", 2, "5", "0.80"),
    ],
    "brand_metrics": [
        ("Acme", 14, 6, "249.99", "164.99", "85.00", "34.00", 2, "50", "0.28"),
        ("Lumo", 5, 2, "150.00", "105.00", "45.00", "30.00", 1, "2", "2.50"),
        ("Kick", 4, 2, "100.00", "30.00", "70.00", "70.00", 2, "5", "0.80"),
    ],
    "campaign_attribution": [
        (
            "CMP1",
            "Spring Sale 2025 - Email",
            "Email",
            "100.00",
            "2025-01-01",
            "2025-02-28",
            1000,
            100,
            5,
            "1.5",
            2,
            "150.00",
            "60.00",
            "1.50",
            "-40.00",
        ),
        (
            "CMP2",
            "New Year Deals 2025 - Social",
            "Social",
            "200.00",
            "2025-01-01",
            "2025-03-31",
            5000,
            250,
            4,
            "0.8",
            1,
            "80.50",
            "30.25",
            "0.40",
            "-84.88",
        ),
        (
            "CMP3",
            "Spring Refresh 2025 - Search",
            "Search",
            "50.00",
            "2025-03-01",
            "2025-03-31",
            800,
            40,
            1,
            "0.2",
            0,
            "0.00",
            "0.00",
            "0.00",
            "-100.00",
        ),
    ],
}


def count_customers(conn: psycopg.Connection) -> None:
    """The customer counts the dashboards read (ops.customer_counts), as the customer_metrics
    build keeps them, from the hand-made rows."""
    incremental.ensure_state(conn)  # ops.customer_counts (analytics/sql/ops_state.sql)
    ANALYTICS_SQL.run(conn, "customer_counts")


def create_analytics_fixture(url: str, *, empty: bool = False) -> None:
    """(Re)create ``analytics.*`` and ``ops.run_context`` in the database at ``url`` with the rows
    above, or with no rows at all (``empty``: a shop before its first order)."""
    with psycopg.connect(url) as conn:
        for statement in DDL.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT INTO ops.run_context (as_of) VALUES (%s)", (AS_OF,))
        for table, rows in ({} if empty else ROWS).items():
            placeholders = ", ".join(["%s"] * len(rows[0]))
            with conn.cursor() as cur:
                cur.executemany(
                    sql.SQL("INSERT INTO {} VALUES (" + placeholders + ")").format(
                        sql.Identifier("analytics", table)
                    ),
                    rows,
                )
        count_customers(conn)


# How far grow_analytics_fixture goes past each bound of the charts.
EXTRA_PRODUCTS = spec.SCATTER_POINTS + 50
EXTRA_CAMPAIGNS = spec.MAX_CAMPAIGNS + 7
EXTRA_BRANDS = spec.MAX_BRANDS + 5
EXTRA_DAYS = spec.STRIP_POINTS + 100


def grow_analytics_fixture(url: str, *, products: int, brands: int, campaigns: int, days: int) -> None:
    """Add rows past every chart's bound to the hand-made layer at ``url`` (already created).

    - ``products`` products P1000.. that sold 1, 2, .. units (the most units: the highest number);
    - ``brands`` brands B1000.. and ``campaigns`` campaigns CMPX1000.. with growing revenue / budget;
    - daily_sales for ``days`` days from 2015-01-01 (the fixture's own three days are in 2025);
    - 300 buyers per segment with days_to_first_purchase spread over -30 .. 2,000 days.
    """
    with psycopg.connect(url) as conn:
        conn.execute(
            """INSERT INTO analytics.product_metrics
               (product_id, product_name, category, brand, units_sold, orders, net_revenue, gross_profit,
                margin_pct, avg_on_hand_units)
               SELECT 'P' || (1000 + i), 'Widget ' || i, 'Bulk', 'Acme', i, i, i * 10, i * 2, 20, 50
               FROM generate_series(1, %s) AS i""",
            (products,),
        )
        conn.execute(
            """INSERT INTO analytics.brand_metrics (brand, units_sold, orders, net_revenue, gross_profit,
                   margin_pct, products)
               SELECT 'B' || (1000 + i), i, i, i * 100, i * 20, 20, 1 FROM generate_series(1, %s) AS i""",
            (brands,),
        )
        conn.execute(
            """INSERT INTO analytics.campaign_attribution (campaign_id, campaign_name, channel, budget,
                   conversions, attributed_orders, attributed_revenue, attributed_gross_profit, roas, roi_pct)
               SELECT 'CMPX' || (1000 + i), 'Campaign ' || i, 'Email', 1000 + i, i, i, i * 10, i * 2, 0.5,
                      -50 + i
               FROM generate_series(1, %s) AS i""",
            (campaigns,),
        )
        conn.execute(
            """INSERT INTO analytics.daily_sales (sales_date, orders, net_revenue, gross_profit)
               SELECT DATE '2015-01-01' + i, 1, 10.00, 4.00 FROM generate_series(0, %s - 1) AS i""",
            (days,),
        )
        conn.execute(
            """INSERT INTO analytics.customer_metrics (customer_id, total_orders, customer_segment,
                   days_to_first_purchase)
               SELECT 'X' || s || i, 1, s, -30 + mod(i * 7, 2031)
               FROM unnest(ARRAY['Premium', 'Regular', 'Budget']) AS s, generate_series(1, 300) AS i"""
        )
        count_customers(conn)
