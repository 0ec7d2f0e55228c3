"""The summaries that keep dashboard and BI queries fast hold exactly what they summarize.

ops.product_day and ops.customer_counts are kept by the analytics builds; the bi summary views
read them. Each is compared with the same figure computed from the facts or the table it sums,
on the hand-made warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from ecom_assets.defs.analytics import bi
from ecom_assets_tests.analytics.conftest import Built


@pytest.fixture(scope="module")
def conn(built: Built) -> Iterator[psycopg.Connection]:
    with psycopg.connect(built.url) as c:
        made, undescribed = bi.publish(c, [v for v in bi.views() if v.name != "as_of"])
        assert undescribed == []
        c.commit()
        yield c


def _rows(conn: psycopg.Connection, query: str) -> list[tuple]:
    return conn.execute(query).fetchall()


def test_daily_product_sales_are_the_recognized_items_by_day(conn: psycopg.Connection) -> None:
    expected = _rows(
        conn,
        "SELECT order_date, product_id, sum(quantity), count(DISTINCT order_id), sum(net_revenue), sum(cogs), "
        "sum(gross_profit) FROM warehouse.fact_order_items WHERE is_recognized GROUP BY 1, 2 ORDER BY 1, 2",
    )
    assert expected and _rows(conn, "SELECT * FROM bi.daily_product_sales ORDER BY 1, 2") == expected
    # months and days tell the same story, and both the product table's
    assert _rows(
        conn,
        "SELECT product_id, sum(units_sold), sum(net_revenue) FROM bi.monthly_product_sales GROUP BY 1 ORDER BY 1",
    ) == _rows(
        conn,
        "SELECT product_id, sum(units_sold), sum(net_revenue) FROM bi.daily_product_sales GROUP BY 1 ORDER BY 1",
    )
    # the products of the product table; the summary also keeps sales of an id unknown to the
    # dimension (the seed's PROD_GHOST), which product_metrics leaves out
    assert _rows(
        conn,
        "SELECT product_id, units_sold, net_revenue FROM analytics.product_metrics WHERE units_sold > 0 ORDER BY 1",
    ) == _rows(
        conn,
        "SELECT product_id, sum(units_sold), sum(net_revenue) FROM bi.monthly_product_sales "
        "WHERE product_id IN (SELECT product_id FROM analytics.product_metrics) GROUP BY 1 ORDER BY 1",
    )
    assert _rows(conn, "SELECT units_sold FROM bi.monthly_product_sales WHERE product_id = 'PROD_GHOST'") == [
        (1,)
    ]


def test_monthly_group_sales_add_up_to_the_group_tables(conn: psycopg.Connection) -> None:
    for group in ("category", "brand"):
        summed = _rows(
            conn,
            f"SELECT {group}, sum(units_sold)::bigint, sum(orders)::bigint, sum(net_revenue), sum(gross_profit) "
            f"FROM bi.monthly_{group}_sales GROUP BY 1 ORDER BY 1",
        )
        table = _rows(
            conn,
            f"SELECT {group}, units_sold, orders, net_revenue, gross_profit FROM analytics.{group}_metrics "
            "WHERE units_sold > 0 ORDER BY 1",
        )
        assert summed == table, group
    # the seed's December: Toys sold PROD_001 (2 + 1 units) and PROD_002 (1 + 1 + 1 + 1 units)
    assert _rows(
        conn,
        "SELECT category, units_sold FROM bi.monthly_category_sales WHERE month = '2025-12-01' ORDER BY 1",
    ) == [("Books", 3), ("Toys", 7)]


def test_customer_counts_are_the_customer_table_grouped(conn: psycopg.Connection) -> None:
    groupings = {
        "profile": "customer_segment, acquisition_bucket, churn_risk",
        "registration_month": "customer_segment, date_trunc('month', registration_date)::date",
        "first_order_month": "customer_segment, date_trunc('month', first_order_date)::date",
        "days_to_first_purchase": "customer_segment, days_to_first_purchase",
    }
    columns = {
        "profile": "customer_segment, acquisition_bucket, churn_risk",
        "registration_month": "customer_segment, month",
        "first_order_month": "customer_segment, month",
        "days_to_first_purchase": "customer_segment, days_to_first_purchase",
    }
    for kind, grouping in groupings.items():
        direct = _rows(
            conn,
            f"SELECT {grouping}, count(*) FROM analytics.customer_metrics GROUP BY {grouping} ORDER BY 1, 2",
        )
        kept = _rows(
            conn,
            f"SELECT {columns[kind]}, customers FROM bi.customer_counts WHERE kind = '{kind}' ORDER BY 1, 2",
        )
        assert kept == direct, kind
    churn = _rows(
        conn,
        "SELECT customer_segment, churn_risk, customers FROM bi.segment_churn WHERE customers > 0 ORDER BY 1, 2",
    )
    assert churn == _rows(
        conn,
        "SELECT customer_segment, churn_risk, count(*) FROM analytics.customer_metrics GROUP BY 1, 2 ORDER BY 1, 2",
    )


def test_campaign_orders_carry_their_customer_and_touch(conn: psycopg.Connection) -> None:
    rows = _rows(
        conn,
        "SELECT c.order_id, c.customer_id = o.customer_id, c.days_from_touch, c.touch_date = e.event_date "
        "FROM bi.fact_campaign_orders c "
        "JOIN warehouse.fact_orders o ON o.order_id = c.order_id AND o.order_date = c.order_date "
        "JOIN warehouse.fact_clickstream e ON e.event_id = c.touch_event_id ORDER BY 1",
    )
    assert [r[0] for r in rows] == ["ORD_0001", "ORD_0004", "ORD_0009", "ORD_0101", "ORD_0103"]
    assert all(r[1] and r[3] and 0 <= r[2] <= 6 for r in rows)
    assert [r[2] for r in rows if r[0] == "ORD_0101"] == [6]  # a touch on order_date - 6 counts
