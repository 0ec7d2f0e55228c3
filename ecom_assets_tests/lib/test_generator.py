"""The synthetic generator: exact volumes, consistent money and keys, realistic shape, determinism.

One scale-1 export is generated once per module (about 4 s) and read by most tests; the
determinism and day-equality tests use scale 0.05, which runs in well under a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from ecom_assets.lib import generator
from ecom_assets.lib.contracts import SOURCE_TABLES

TABLES = ("customers", "products", "orders", "order_items", "clickstream", "marketing_campaigns", "inventory")


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def read_contract_frame(path: Path, table: str) -> pd.DataFrame:
    """Read a generated CSV the way the contract expects its types (text, float money, Int64, dates, bools)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    kinds = SOURCE_TABLES[table].column_kinds()
    df = pd.DataFrame(index=raw.index)
    for col, kind in kinds.items():
        s = raw[col]
        if kind in ("money", "decimal"):
            df[col] = pd.to_numeric(s).astype("float64")
        elif kind == "int":
            df[col] = pd.to_numeric(s).astype("Int64")
        elif kind == "date":
            df[col] = pd.to_datetime(s, format="%Y-%m-%d")
        elif kind == "ts":
            df[col] = pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S")
        elif kind == "bool":
            df[col] = s.map({"True": True, "False": False}).astype("boolean")
        else:
            df[col] = s
    return df


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, generator.GenerateReport]:
    out = tmp_path_factory.mktemp("export_s1")
    return out, generator.generate(out, scale=1.0, seed=42, progress=False)


@pytest.fixture(scope="module")
def frames(export: tuple[Path, generator.GenerateReport]) -> dict[str, pd.DataFrame]:
    out, _ = export
    return {t: read_contract_frame(out / f"{t}.csv", t) for t in TABLES}


def _cents(s: pd.Series) -> pd.Series:
    return s.map(lambda v: int(Decimal(v) * 100))


# --- files and volumes -------------------------------------------------------------------------


def test_header_is_the_contract_layout(export: tuple[Path, generator.GenerateReport]) -> None:
    out, report = export
    for t in TABLES:
        header = (out / f"{t}.csv").open().readline().rstrip("\n")
        assert header == ",".join(SOURCE_TABLES[t].columns), t
    assert set(report.rows) == set(TABLES)
    assert "orders" in str(report) and str(out) in str(report)


def test_exact_volumes_at_scale_1(frames: dict[str, pd.DataFrame]) -> None:
    assert frames["customers"].customer_id.nunique() == 2_500
    assert frames["products"].product_id.nunique() == 650
    assert frames["marketing_campaigns"].campaign_id.nunique() == 25
    assert len(frames["orders"]) == frames["orders"].order_id.nunique() == 12_000
    assert len(frames["clickstream"]) == frames["clickstream"].event_id.nunique() == 75_000
    # Mondays from 2025-10-06 to 2026-10-26: 56 snapshots x 650 products x 3 warehouses
    inv = frames["inventory"]
    assert inv.snapshot_date.nunique() == 56
    assert len(inv) == 56 * 650 * 3
    assert (inv.snapshot_date.dt.day_of_week == 0).all()
    assert inv.groupby("snapshot_date").warehouse_location.nunique().eq(3).all()
    per_order = frames["order_items"].groupby("order_id").size()
    assert per_order.between(1, 5).all() and len(per_order) == 12_000


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, generator.GenerateReport]:
    """A default-period export at scale 0.05 (seed 11): the reference for the slicing tests."""
    out = tmp_path_factory.mktemp("export_s005")
    return out, generator.generate(out, scale=0.05, seed=11, progress=False)


PREFIX = {"orders": "ORD", "order_items": "ITM", "clickstream": "EVT", "inventory": "INV"}


def _day_lines(folder: Path, table: str, tags: set[str]) -> tuple[bytes, list[bytes]]:
    """Header and the data lines of the given days (``YYYYMMDD``), found by the day in the row id."""
    lines = (folder / f"{table}.csv").read_bytes().splitlines()
    plen = len(PREFIX[table]) + 2
    return lines[0], [ln for ln in lines[1:] if ln[plen : plen + 8].decode() in tags]


def test_small_scale_volumes(small: tuple[Path, generator.GenerateReport]) -> None:
    out, report = small
    assert report.rows["orders"] == 600  # 12,000 x 0.05
    assert report.rows["clickstream"] == 3_750  # 75,000 x 0.05
    assert pd.read_csv(out / "customers.csv").customer_id.nunique() == 125  # 2,500 x 0.05
    assert pd.read_csv(out / "products.csv").product_id.nunique() == 650  # fixed below scale 1
    assert pd.read_csv(out / "marketing_campaigns.csv").campaign_id.nunique() == 25


def test_same_seed_same_bytes(small: tuple[Path, generator.GenerateReport], tmp_path: Path) -> None:
    generator._faker_pools.cache_clear()  # rebuild everything from the seed, as a new process would
    generator.generate(tmp_path, scale=0.05, seed=11, progress=False)
    assert _digest(tmp_path) == _digest(small[0])
    assert len(_digest(tmp_path)) == 7


def test_window_is_a_slice_of_the_full_run_and_seed_matters(
    small: tuple[Path, generator.GenerateReport], tmp_path: Path
) -> None:
    start, end = dt.date(2025, 12, 1), dt.date(2025, 12, 7)
    window, other = tmp_path / "window", tmp_path / "other_seed"
    report = generator.generate(window, scale=0.05, seed=11, start=start, end=end, progress=False)
    generator.generate(other, scale=0.05, seed=12, start=start, end=end, progress=False)
    tags = {(start + dt.timedelta(days=i)).strftime("%Y%m%d") for i in range(7)}
    for table in PREFIX:
        want = _day_lines(small[0], table, tags)
        got = _day_lines(window, table, tags)
        assert got == want, table
        assert len(got[1]) == report.rows[table] > 0  # nothing outside the window
        assert _day_lines(other, table, tags)[1] != want[1]
    assert report.rows["inventory"] == 650 * 3  # one Monday (2025-12-01) in the window
    customers = pd.read_csv(window / "customers.csv")
    assert customers.updated_at.max() < "2025-12-08"  # no version that takes effect after the as-of date
    assert len(customers) < len(pd.read_csv(small[0] / "customers.csv"))  # later registrations not yet there
    # every key the window's events use is in the window's own dimension files
    assert pd.read_csv(window / "orders.csv").customer_id.isin(customers.customer_id).all()
    products = pd.read_csv(window / "products.csv").product_id
    assert pd.read_csv(window / "order_items.csv").product_id.isin(products).all()


@pytest.mark.parametrize("day", [dt.date(2025, 11, 28), dt.date(2026, 3, 2)])  # Black Friday; a Monday
def test_generate_day_equals_that_day_of_a_full_run(
    small: tuple[Path, generator.GenerateReport], tmp_path: Path, day: dt.date
) -> None:
    report = generator.generate_day(tmp_path, day, scale=0.05, seed=11)
    tag = day.strftime("%Y%m%d")
    expected = set(PREFIX) if day.weekday() == 0 else set(PREFIX) - {"inventory"}
    assert {p.stem for p in tmp_path.glob("*.csv")} == expected
    for table in expected:
        header, want = _day_lines(small[0], table, {tag})
        got = (tmp_path / f"{table}.csv").read_bytes().splitlines()
        assert got == [header, *want], table
        assert len(want) > 0 and report.rows[table] == len(want)


def test_generate_day_after_the_default_period(tmp_path: Path) -> None:
    """The daily schedule's "new day": past 2026-10-31 a day still matches a run that ends on it."""
    day = dt.date(2026, 11, 9)  # a Monday
    generator.generate(tmp_path / "full", scale=0.05, seed=11, start=day, end=day, progress=False)
    report = generator.generate_day(tmp_path / "day", day, scale=0.05, seed=11)
    for table in PREFIX:
        assert (tmp_path / "day" / f"{table}.csv").read_bytes() == (
            tmp_path / "full" / f"{table}.csv"
        ).read_bytes()
    assert report.rows["orders"] > 0 and report.rows["clickstream"] > 0
    assert report.rows["inventory"] == 650 * 3


# --- consistency -------------------------------------------------------------------------------


def test_money_identities_hold_exactly(export: tuple[Path, generator.GenerateReport]) -> None:
    out, _ = export
    items = pd.read_csv(out / "order_items.csv", dtype=str)
    orders = pd.read_csv(out / "orders.csv", dtype=str)
    unit, line = _cents(items.unit_price), _cents(items.total_price)
    assert (line == items.quantity.astype(int) * unit).all()
    subtotal = line.groupby(items.order_id).sum()
    o = orders.set_index("order_id")
    assert (_cents(o.subtotal) == subtotal.reindex(o.index)).all()
    total = _cents(o.subtotal) - _cents(o.discount_amount) + _cents(o.shipping_cost) + _cents(o.tax_amount)
    assert (total == _cents(o.total_amount)).all()
    assert (_cents(o.discount_amount) <= _cents(o.subtotal)).all()
    assert orders.subtotal.str.match(r"^\d+\.\d\d$").all()  # money always carries 2 decimals


def test_orders_follow_registration_and_reference_customers(frames: dict[str, pd.DataFrame]) -> None:
    cust = frames["customers"].drop_duplicates("customer_id").set_index("customer_id")
    orders = frames["orders"]
    assert orders.customer_id.isin(cust.index).all()
    reg = orders.customer_id.map(cust.registration_date)
    assert (orders.order_date >= reg).all()
    assert orders.order_date.min() == pd.Timestamp("2025-10-01")
    assert orders.order_date.max() == pd.Timestamp("2026-10-31")
    assert cust.registration_date.min() < pd.Timestamp("2025-10-01")  # registrations start before the period
    delivered = orders.delivery_date.notna()
    assert (orders.delivery_date[delivered] > orders.order_date[delivered]).all()


def test_items_and_events_reference_existing_rows(frames: dict[str, pd.DataFrame]) -> None:
    items, orders = frames["order_items"], frames["orders"]
    products = set(frames["products"].product_id)
    customers = set(frames["customers"].customer_id)
    assert items.order_id.isin(orders.order_id).all()
    assert items.product_id.isin(products).all()
    cs = frames["clickstream"]
    assert cs.customer_id.dropna().isin(customers).all()
    assert cs.product_id.dropna().isin(products).all()
    assert cs.customer_id.isna().any()  # anonymous visitors exist
    assert frames["inventory"].product_id.isin(products).all()


def test_order_statuses_mix(frames: dict[str, pd.DataFrame]) -> None:
    shares = frames["orders"].order_status.value_counts(normalize=True)
    assert set(shares.index) == {"Completed", "Shipped", "Processing", "Cancelled", "Returned"}
    assert 0.05 < shares["Cancelled"] + shares["Returned"] < 0.20
    assert shares["Completed"] > 0.6


def test_purchases_match_orders_and_sessions_run_the_funnel(frames: dict[str, pd.DataFrame]) -> None:
    cs, orders = frames["clickstream"], frames["orders"]
    purchases = cs[cs.event_type == "purchase"]
    assert len(purchases) > 2_000
    assert purchases.customer_id.notna().all()
    per_day = orders.groupby([orders.customer_id, orders.order_date.dt.normalize()]).size()
    bought = purchases.groupby([purchases.customer_id, purchases.timestamp.dt.normalize()]).size()
    matched = per_day.reindex(bought.index)
    assert matched.notna().all()  # every purchase event has an order: same customer, same day
    assert (bought <= matched).all()  # and never more purchase events than orders
    # each purchase session: starts with a page_view, runs view -> cart -> checkout -> purchase
    sessions = cs[cs.session_id.isin(purchases.session_id)].sort_values(["session_id", "event_id"])
    first = sessions.groupby("session_id").event_type.first()
    last = sessions.groupby("session_id").event_type.last()
    assert (first == "page_view").all() and (last == "purchase").all()
    assert sessions.groupby("session_id").timestamp.is_monotonic_increasing.all()
    funnel = cs.event_type.value_counts()
    assert funnel["page_view"] > funnel["add_to_cart"] > funnel["checkout_start"] > funnel["purchase"]
    assert funnel["product_view"] > funnel["add_to_cart"]


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
    assert attributed[["customer_id", "order_date"]].drop_duplicates().shape[0] > 500
    assert (lag[(lag >= 1) & (lag <= 6)]).size > 0  # some touches come days before the order


# --- shape of the business ---------------------------------------------------------------------


def test_segment_mix_and_revenue_shares(frames: dict[str, pd.DataFrame]) -> None:
    first = frames["customers"].drop_duplicates("customer_id", keep="first").set_index("customer_id")
    assert first.customer_segment.value_counts().to_dict() == {
        "Regular": 1_500,
        "Premium": 500,
        "Budget": 500,
    }
    orders = frames["orders"]
    rec = orders[~orders.order_status.isin(["Cancelled", "Returned"])]
    net = (rec.subtotal - rec.discount_amount).groupby(rec.customer_id.map(first.customer_segment)).sum()
    share = net / net.sum() * 100
    assert share["Premium"] == pytest.approx(28, abs=3)
    assert share["Regular"] == pytest.approx(57, abs=3)
    assert share["Budget"] == pytest.approx(15, abs=3)
    monthly = (rec.subtotal - rec.discount_amount).groupby(rec.order_date.dt.to_period("M")).sum()
    assert len(monthly) == 13
    assert 850_000 < monthly.mean() < 1_150_000


def test_seasonality_and_weekday_cycle(frames: dict[str, pd.DataFrame]) -> None:
    orders = frames["orders"]
    per_day = orders.groupby("order_date").size()
    month = per_day.index.month
    peak = per_day[(month == 11) | (month == 12)].mean()
    low = per_day[(month == 2) | (month == 3)].mean()
    assert peak > 1.4 * low
    weekday = per_day.groupby(per_day.index.day_of_week).mean()
    assert weekday[0] > weekday[5]  # Mondays busier than Saturdays
    assert per_day.idxmax() in (
        pd.Timestamp("2025-11-28"),
        pd.Timestamp("2025-12-01"),
    )  # Black Friday/Cyber Monday


def test_category_prices_and_margins(frames: dict[str, pd.DataFrame]) -> None:
    prod = frames["products"].drop_duplicates("product_id", keep="first")
    margin = ((prod.selling_price - prod.cost_price) / prod.selling_price * 100).groupby(prod.category).mean()
    assert len(margin) == 6
    assert 56 <= margin["Books"] <= 62 and 56 <= margin["Health & Beauty"] <= 62
    assert 42 <= margin["Electronics"] <= 48
    assert (prod.cost_price < prod.selling_price).all()
    price = prod.groupby("category").selling_price.median()
    assert price["Electronics"] > 3 * price["Books"]
    items = frames["order_items"].merge(prod[["product_id", "category"]], on="product_id")
    units = items.groupby("category").quantity.sum()
    assert units.idxmax() == "Electronics"


def test_dimension_versions(frames: dict[str, pd.DataFrame]) -> None:
    cust = frames["customers"]
    twice = cust[cust.customer_id.duplicated(keep=False)].sort_values(["customer_id", "updated_at"])
    n = twice.customer_id.nunique()
    assert 0.03 * 2_500 < n < 0.07 * 2_500
    g = twice.groupby("customer_id")
    assert (g.customer_segment.nunique() == 2).all()
    assert (g.updated_at.first() < g.updated_at.last()).all()

    prod = frames["products"]
    versions = prod[prod.product_id.duplicated(keep=False)].sort_values(["product_id", "updated_at"])
    g = versions.groupby("product_id")
    assert 0.05 * 650 < g.ngroups < 0.11 * 650
    assert (g.updated_at.first() < g.updated_at.last()).all()
    assert (g.selling_price.first() != g.selling_price.last()).all()
    changed_on = g.updated_at.last().dt.normalize()
    assert changed_on.between(pd.Timestamp("2025-10-01"), pd.Timestamp("2026-10-31")).all()  # mid-period

    # order items are priced with the version in effect on the order day
    items = frames["order_items"].merge(frames["orders"][["order_id", "order_date"]], on="order_id")
    items = items[items.product_id.isin(changed_on.index)]
    after = items.order_date >= items.product_id.map(changed_on)
    expect = items.product_id.map(g.selling_price.last()).where(
        after, items.product_id.map(g.selling_price.first())
    )
    assert (items.unit_price == expect).all()
    assert after.any() and (~after).any()

    camps = frames["marketing_campaigns"]
    budgets = camps[camps.campaign_id.duplicated(keep=False)].groupby("campaign_id")
    assert budgets.ngroups >= 1
    assert (budgets.budget.first() != budgets.budget.last()).all()
    assert (budgets.updated_at.first() < budgets.updated_at.last()).all()


# --- the contract ------------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_generated_frames_pass_the_contract(frames: dict[str, pd.DataFrame], table: str) -> None:
    SOURCE_TABLES[table].model.validate(frames[table], lazy=True)


# --- the asset ---------------------------------------------------------------------------------


def test_synthetic_export_asset_writes_and_lands_the_export(data_dir: Path) -> None:
    import dagster as dg

    from ecom_assets.defs.raw.synthetic_export import synthetic_export
    from ecom_assets.lib import landing

    result = dg.materialize(
        [synthetic_export], run_config={"ops": {"synthetic_export": {"config": {"scale": 0.02, "seed": 5}}}}
    )
    assert result.success
    export_dir = data_dir / "export"
    assert {p.name for p in export_dir.glob("*.csv")} == {f"{t}.csv" for t in TABLES}
    meta = result.asset_materializations_for_node("synthetic_export")[0].metadata
    assert meta["rows/orders"].value == 240  # 12,000 x 0.02
    assert meta["rows/clickstream"].value == 1_500  # 75,000 x 0.02
    assert meta["dagster/row_count"].value == sum(meta[f"rows/{t}"].value for t in TABLES)
    assert meta["out"].value == str(export_dir)
    # the importer landed it: one orders file per day with orders, as-of = the last generated day
    assert landing.as_of_date(data_dir / "landing") == dt.date(2026, 10, 31)
    assert len(landing.landed_files("orders", data_dir / "landing")) > 200
