"""Campaigns: names that say their season and year, dates in that season, touches that lead to orders."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ecom_assets.lib import generator
from ecom_assets.lib.generator import campaigns

THEMES = {t.name: t for t in (*campaigns.THEMES, campaigns.GRAND_OPENING)}


def test_names_match_their_season_and_dates(frames: dict[str, pd.DataFrame]) -> None:
    camps = frames["marketing_campaigns"].drop_duplicates("campaign_id", keep="last")
    assert camps.campaign_name.is_unique
    assert 25 <= len(camps) <= 45  # about two a month at scale 1
    parts = camps.campaign_name.str.extract(r"^(?P<theme>.+) (?P<year>\d{4}) - (?P<channel>[A-Za-z ]+)$")
    assert parts.notna().all().all(), camps.campaign_name[parts.theme.isna()].tolist()
    assert (parts.channel == camps.channel).all()
    for theme, year, start, end in zip(
        parts.theme, parts.year.astype(int), camps.start_date, camps.end_date, strict=True
    ):
        t = THEMES[theme]
        season_start, season_end = t.start(year), t.end(year)
        # a few days' jitter at the start, never outside the season; the label year is the season's
        assert season_start <= start.date() <= season_start + dt.timedelta(days=3), (theme, year, start)
        assert end.date() == season_end
        midpoint = start + (end - start) / 2
        assert midpoint.year == year or theme == "New Year Deals"
    summer = camps[camps.campaign_name.str.startswith("Summer Kickoff")]
    assert (summer.start_date.dt.month == 5).all() and (summer.end_date.dt.month == 6).all()
    assert (camps.start_date >= pd.Timestamp(generator.OPENING)).all()  # nothing before the opening
    assert camps.campaign_name.str.startswith("Grand Opening 2025").sum() >= 1


def test_black_friday_runs_into_thanksgiving_weekend(frames: dict[str, pd.DataFrame]) -> None:
    camps = frames["marketing_campaigns"].drop_duplicates("campaign_id", keep="last")
    bf = camps[camps.campaign_name.str.startswith("Black Friday 2025")]
    assert len(bf) >= 2
    assert (bf.end_date == pd.Timestamp("2025-11-30")).all()  # Thanksgiving 2025-11-27 + 3 days


def test_budget_changes_are_second_versions(frames: dict[str, pd.DataFrame]) -> None:
    camps = frames["marketing_campaigns"]
    budgets = camps[camps.campaign_id.duplicated(keep=False)].groupby("campaign_id")
    assert budgets.ngroups >= 1
    assert (budgets.budget.first() != budgets.budget.last()).all()
    assert (budgets.updated_at.first() < budgets.updated_at.last()).all()
    current = camps.drop_duplicates("campaign_id", keep="last")
    # active = running on the as-of date (2026-10-31: Halloween's last day), not "in the file"
    as_of = pd.Timestamp("2026-10-31")
    ran = (current.start_date <= as_of) & (current.end_date >= as_of)
    assert (current.is_active == ran).all()
    assert current[current.is_active].campaign_name.str.startswith("Halloween Deals 2026").all()
    assert 0 < current.is_active.sum() < len(current)


def test_campaign_touches_fall_in_campaigns_and_lead_to_orders(frames: dict[str, pd.DataFrame]) -> None:
    cs, orders = frames["clickstream"], frames["orders"]
    camps = frames["marketing_campaigns"].drop_duplicates("campaign_id", keep="last").set_index("campaign_id")
    touches = cs[cs.page_url.str.contains("utm_campaign=", regex=False)].copy()
    assert len(touches) > 1_000
    touches["campaign_id"] = touches.page_url.str.extract(r"utm_campaign=([A-Z_0-9]+)")[0]
    assert touches.campaign_id.isin(camps.index).all()
    day = touches.timestamp.dt.normalize()
    assert (day >= touches.campaign_id.map(camps.start_date)).all()
    assert (day <= touches.campaign_id.map(camps.end_date)).all()
    assert (touches.groupby("session_id").size() == 1).all()  # only the landing event is tagged
    # last-touch attribution finds orders: a known customer's touch 0..6 days before a recognized order
    known = touches.dropna(subset=["customer_id"])[["customer_id", "timestamp"]]
    rec = orders[~orders.order_status.isin(["Cancelled", "Returned"])][["customer_id", "order_date"]]
    pairs = rec.merge(known, on="customer_id")
    lag = (pairs.order_date - pairs.timestamp.dt.normalize()).dt.days
    attributed = pairs[(lag >= 0) & (lag <= 6)]
    assert attributed[["customer_id", "order_date"]].drop_duplicates().shape[0] > 300
    assert (lag[(lag >= 1) & (lag <= 6)]).size > 0  # some touches come days before the order
