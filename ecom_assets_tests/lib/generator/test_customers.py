"""Customers: segments, revenue shares, versions, and a history that begins with them."""

from __future__ import annotations

import pandas as pd
import pytest

from ecom_assets.lib import generator


def test_segment_mix_and_revenue_shares(frames: dict[str, pd.DataFrame], recognized: pd.DataFrame) -> None:
    first = frames["customers"].drop_duplicates("customer_id", keep="first").set_index("customer_id")
    assert first.customer_segment.value_counts().to_dict() == {
        "Regular": 1_500,
        "Premium": 500,
        "Budget": 500,
    }
    net = recognized.net.groupby(recognized.customer_id.map(first.customer_segment)).sum()
    share = net / net.sum() * 100
    assert share["Premium"] == pytest.approx(28, abs=3)
    assert share["Regular"] == pytest.approx(57, abs=3)
    assert share["Budget"] == pytest.approx(15, abs=3)
    monthly = recognized.net.groupby(recognized.order_date.dt.to_period("M")).sum()
    assert len(monthly) == 13
    assert 850_000 < monthly.mean() < 1_150_000


def test_first_purchases_follow_sign_ups_without_a_pile_up(
    frames: dict[str, pd.DataFrame], recognized: pd.DataFrame
) -> None:
    """The history starts with the shop: a month's first purchases come from that month's and
    the months before's sign-ups, never from a backlog of customers older than the data."""
    cust = frames["customers"].drop_duplicates("customer_id").set_index("customer_id")
    first = recognized.groupby("customer_id").order_date.min()
    by_month = pd.DataFrame(
        {
            "signups": cust.registration_date.dt.to_period("M").value_counts(),
            "first": first.dt.to_period("M").value_counts(),
        }
    ).fillna(0)
    assert by_month["first"].iloc[0] <= by_month["signups"].iloc[0]  # month 1: no backlog
    assert by_month["first"].max() / by_month["first"].sum() < 0.16  # no pile (the old data: 23 % in month 1)
    # later months: first purchases close to that month's sign-ups (within a factor of 2)
    steady = by_month.iloc[3:]
    assert ((steady["first"] / steady["signups"]).between(0.5, 2.0)).all()
    days = (first - cust.registration_date.reindex(first.index)).dt.days
    assert (days >= 0).all() and 7 <= days.median() <= 60
    assert (days == 0).any()  # some buy the day they sign up


def test_customers_churn(frames: dict[str, pd.DataFrame], recognized: pd.DataFrame) -> None:
    """Some buyers lapse: their last order is long before the end, as churn risk expects."""
    last = recognized.groupby("customer_id").order_date.max()
    lapsed = (pd.Timestamp(generator.REFERENCE_END) - last).dt.days > 180
    assert 0.10 < lapsed.mean() < 0.50
    orders_per_buyer = recognized.groupby("customer_id").size()
    assert 1.5 < orders_per_buyer.mean() < 8 and (orders_per_buyer == 1).mean() > 0.15


def test_segment_changes_are_second_versions(frames: dict[str, pd.DataFrame]) -> None:
    cust = frames["customers"]
    twice = cust[cust.customer_id.duplicated(keep=False)].sort_values(["customer_id", "updated_at"])
    n = twice.customer_id.nunique()
    assert 0.02 * 2_500 < n < 0.07 * 2_500
    g = twice.groupby("customer_id")
    assert (g.customer_segment.nunique() == 2).all()
    assert (g.updated_at.first() < g.updated_at.last()).all()
    assert (g.updated_at.last() <= pd.Timestamp(generator.REFERENCE_END) + pd.Timedelta(days=1)).all()
