"""Files, volumes, determinism, and any window or day as a slice of the same shop."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from ecom_assets.lib import generator
from ecom_assets.lib.contracts import SOURCE_TABLES
from ecom_assets_tests.lib.generator.conftest import PERIOD, TABLES

PREFIX = {"orders": "ORD", "order_items": "ITM", "clickstream": "EVT", "inventory": "INV"}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def _day_lines(folder: Path, table: str, tags: set[str]) -> tuple[bytes, list[bytes]]:
    """Header and the data lines of the given days (``YYYYMMDD``), found by the day in the row id."""
    lines = (folder / f"{table}.csv").read_bytes().splitlines()
    plen = len(PREFIX[table]) + 2
    return lines[0], [ln for ln in lines[1:] if ln[plen : plen + 8].decode() in tags]


def test_header_is_the_contract_layout(reference: tuple[Path, generator.GenerateReport]) -> None:
    out, report = reference
    for t in TABLES:
        header = (out / f"{t}.csv").open().readline().rstrip("\n")
        assert header == ",".join(SOURCE_TABLES[t].columns), t
    assert set(report.rows) == set(TABLES)
    assert "orders" in str(report) and str(out) in str(report)


def test_exact_volumes_over_the_reference_period(frames: dict[str, pd.DataFrame]) -> None:
    assert frames["customers"].customer_id.nunique() == 2_500  # every one signed up in the period
    assert frames["products"].product_id.nunique() == 650
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


def test_small_scale_volumes(small: tuple[Path, generator.GenerateReport]) -> None:
    out, report = small
    assert report.rows["orders"] == 600  # 12,000 x 0.05
    assert report.rows["clickstream"] == 3_750  # 75,000 x 0.05
    assert pd.read_csv(out / "customers.csv").customer_id.nunique() == 125  # 2,500 x 0.05
    assert pd.read_csv(out / "products.csv").product_id.nunique() == 650  # fixed below scale 1


def test_default_window_runs_from_the_opening_to_the_last_full_month(tmp_path: Path) -> None:
    assert generator.default_end(dt.date(2026, 12, 3)) == dt.date(2026, 11, 30)
    assert generator.default_end(dt.date(2027, 1, 1)) == dt.date(2026, 12, 31)
    assert generator.default_end(dt.date(2026, 3, 31)) == dt.date(2026, 2, 28)
    report = generator.generate(tmp_path, scale=0.01, seed=3, progress=False)
    assert (report.start, report.end) == (generator.OPENING, generator.default_end())
    days = pd.read_csv(tmp_path / "orders.csv", parse_dates=["order_date"]).order_date
    assert days.max() <= pd.Timestamp(generator.default_end())
    assert days.min() >= pd.Timestamp(generator.OPENING)


def test_same_seed_same_bytes(small: tuple[Path, generator.GenerateReport], tmp_path: Path) -> None:
    generator._faker_pools.cache_clear()  # rebuild everything from the seed, as a new process would
    generator.generate(tmp_path, scale=0.05, seed=11, start=PERIOD[0], end=PERIOD[1], progress=False)
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
    assert len(customers) < len(pd.read_csv(small[0] / "customers.csv"))  # later sign-ups not yet there
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


def test_generate_day_long_after_the_reference_period(tmp_path: Path) -> None:
    """The daily schedule's "new day", a year on: it still matches a run that ends on it, with
    customers and campaigns of that time (drawn in blocks that never change earlier ones)."""
    day = dt.date(2027, 11, 29)  # a Monday, Cyber Monday
    generator.generate(tmp_path / "full", scale=0.05, seed=11, start=day, end=day, progress=False)
    report = generator.generate_day(tmp_path / "day", day, scale=0.05, seed=11)
    for table in PREFIX:
        assert (tmp_path / "day" / f"{table}.csv").read_bytes() == (
            tmp_path / "full" / f"{table}.csv"
        ).read_bytes()
    assert report.rows["orders"] > 0 and report.rows["clickstream"] > 0
    assert report.rows["inventory"] == 650 * 3
    customers = pd.read_csv(tmp_path / "full" / "customers.csv", parse_dates=["registration_date"])
    assert customers.registration_date.max() > pd.Timestamp("2027-10-01")  # still signing up
    orders = pd.read_csv(tmp_path / "full" / "orders.csv")
    assert orders.customer_id.isin(customers.customer_id).all()
    campaigns = pd.read_csv(tmp_path / "full" / "marketing_campaigns.csv")
    assert campaigns.campaign_name.str.contains("Cyber Week 2027").any()


def test_nothing_happens_before_the_opening(tmp_path: Path) -> None:
    report = generator.generate(
        tmp_path, scale=0.05, seed=11, start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 30), progress=False
    )
    assert report.rows["orders"] == report.rows["clickstream"] == report.rows["inventory"] == 0
    assert report.rows["customers"] == 0 and report.rows["products"] == 650  # the catalogue exists


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
    assert meta["rows/orders"].value >= 240  # 12,000 x 0.02 in the first 13 months, more after
    assert meta["dagster/row_count"].value == sum(meta[f"rows/{t}"].value for t in TABLES)
    assert meta["out"].value == str(export_dir)
    # the importer landed it: one orders file per day with orders, as-of = the last full month's end
    assert landing.as_of_date(data_dir / "landing") == generator.default_end()
    assert len(landing.landed_files("orders", data_dir / "landing")) > 200
