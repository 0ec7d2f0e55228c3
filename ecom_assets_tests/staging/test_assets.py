"""Raw and staging assets materialized with Dagster against PostgreSQL, for one partition."""

import datetime as dt
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from ecom_assets.defs.partitions import monthly_partitions
from ecom_assets.defs.raw import importer
from ecom_assets.defs.raw.assets import raw_assets
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.staging.assets import staging_assets
from ecom_assets_tests.staging.conftest import (
    CUSTOMER_C1,
    CUSTOMERS_HEADER,
    ITEMS_HEADER,
    ORDERS_HEADER,
    order,
    write,
)


def _assets(*names: str) -> list[dg.AssetsDefinition]:
    wanted = {dg.AssetKey([layer, n]) for n in names for layer in ("raw", "staging")}
    return [a for a in raw_assets + staging_assets if a.key in wanted]


def _mats(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    out = {}
    for e in result.get_asset_materialization_events():
        mat = e.event_specific_data.materialization
        out[mat.asset_key.to_user_string()] = mat.metadata
    return out


def _checks(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}


def test_materialize_raw_and_staging_for_a_partition(
    export_dir: Path, data_dir: Path, fresh_db_url: str
) -> None:
    month = dt.date.fromisoformat(monthly_partitions.get_partition_keys()[0])
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    d1, d2, d3 = month.isoformat(), (month + dt.timedelta(days=1)).isoformat(), nxt.isoformat()
    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [order("O1", d1), order("O2", d2), order("O3", d2, order_status="Lost"), order("O4", d3)],
    )
    write(
        export_dir,
        "order_items.csv",
        ITEMS_HEADER,
        ["I1,O1,P1,1,100.00,100.00,", "I2,O4,P1,1,100.00,100.00,"],
    )
    write(export_dir, "customers.csv", CUSTOMERS_HEADER, [CUSTOMER_C1])
    importer.import_export(export_dir)
    resources = {"warehouse": PostgresResource(database_url=fresh_db_url)}

    result = dg.materialize(
        _assets("orders", "order_items"), partition_key=month.isoformat(), resources=resources
    )
    assert result.success
    mats = _mats(result)
    raw_orders = mats["raw/orders"]
    assert raw_orders["rows"].value == 3 and raw_orders["days"].value == 2  # O4 is next month
    assert raw_orders["files"].value == 1  # the month's file
    assert raw_orders["first_day"].value == d1 and raw_orders["last_day"].value == d2
    staged = mats["staging/orders"]
    assert staged["dagster/row_count"].value == 2
    assert staged["rows_read"].value == 3 and staged["rejected_rows"].value == 1
    assert staged["days_loaded"].value == 2 and staged["days_skipped"].value == 0
    assert "Lost" in staged["first_rejects"].value
    schema = staged["dagster/column_schema"].schema
    assert [c.name for c in schema.columns][:3] == ["order_id", "customer_id", "order_date"]
    assert schema.columns[0].type == "text" and not schema.columns[0].constraints.nullable
    assert mats["staging/order_items"]["dagster/row_count"].value == 1

    checks = _checks(result)
    assert checks[("orders", "contract")].passed
    assert checks[("orders", "primary_key_unique")].passed
    assert checks[("orders", "staged_plus_rejected_equals_read")].passed
    rej = checks[("orders", "no_rejects")]
    assert not rej.passed and rej.severity == dg.AssetCheckSeverity.WARN
    assert "must be one of Completed" in rej.metadata["top_reasons"].value
    assert checks[("order_items", "no_rejects")].passed

    with psycopg.connect(fresh_db_url) as conn:
        assert conn.execute("SELECT order_id FROM staging.orders ORDER BY 1").fetchall() == [("O1",), ("O2",)]
        assert conn.execute("SELECT as_of FROM ops.run_context").fetchone() == (dt.date.fromisoformat(d3),)

    dims = dg.materialize(_assets("customers"), resources=resources)
    assert dims.success
    assert all(e.passed for e in dims.get_asset_check_evaluations())

    # a re-run skips the unchanged days; the contract check re-validates what is staged, so a
    # row damaged in the table after loading is caught
    with psycopg.connect(fresh_db_url) as conn:
        conn.execute("UPDATE staging.orders SET total_amount = 999 WHERE order_id = 'O1'")
    again = dg.materialize(_assets("orders"), partition_key=month.isoformat(), resources=resources)
    meta = _mats(again)["staging/orders"]
    assert meta["days_skipped"].value == 2 and meta["dagster/row_count"].value == 2
    assert meta["rejected_rows"].value == 1
    contract = _checks(again)[("orders", "contract")]
    assert not contract.passed and contract.metadata["rows_validated"].value == 2
    assert "total_amount = subtotal" in contract.metadata["failure_sample"].value
    assert _checks(again)[("orders", "staged_plus_rejected_equals_read")].passed


def test_duplicate_key_across_days_fails_the_blocking_check(
    export_dir: Path, data_dir: Path, fresh_db_url: str
) -> None:
    month = dt.date.fromisoformat(monthly_partitions.get_partition_keys()[0])
    d1, d2 = month.isoformat(), (month + dt.timedelta(days=1)).isoformat()
    write(export_dir, "orders.csv", ORDERS_HEADER, [order("O1", d1), order("O1", d2)])
    importer.import_export(export_dir)
    result = dg.materialize(
        _assets("orders"),
        partition_key=month.isoformat(),
        resources={"warehouse": PostgresResource(database_url=fresh_db_url)},
        raise_on_error=False,
    )
    assert not result.success  # a failed blocking check fails the step: downstream does not run
    pk = _checks(result)[("orders", "primary_key_unique")]
    assert not pk.passed and pk.metadata["duplicated_keys"].value == 1
    assert "O1" in pk.metadata["examples"].value


def test_key_check_covers_what_a_run_loaded_and_keeps_failing_until_fixed(
    export_dir: Path, data_dir: Path, fresh_db_url: str, tmp_path: Path
) -> None:
    """A daily run checks the keys of its new day against the whole table (not every key of the
    history); a key repeated from an earlier day is still caught, and once the check has failed
    it covers the whole table again until the duplicate is gone."""
    month = dt.date.fromisoformat(monthly_partitions.get_partition_keys()[0])
    day = [(month + dt.timedelta(days=i)).isoformat() for i in range(4)]
    resources = {"warehouse": PostgresResource(database_url=fresh_db_url)}

    def run() -> tuple[dg.ExecuteInProcessResult, dict[str, dg.AssetCheckEvaluation]]:
        result = dg.materialize(
            _assets("orders"), partition_key=month.isoformat(), resources=resources, raise_on_error=False
        )
        return result, {k[1]: v for k, v in _checks(result).items() if k[0] == "orders"}

    def land(name: str, rows: list[str], as_of: str) -> None:
        export = tmp_path / name
        export.mkdir()
        write(export, "orders.csv", ORDERS_HEADER, rows)
        importer.import_export(export, as_of=dt.date.fromisoformat(as_of))

    write(
        export_dir,
        "orders.csv",
        ORDERS_HEADER,
        [order("O1", day[0]), order("O2", day[0]), order("O3", day[1])],
    )
    importer.import_export(export_dir)
    result, checks = run()
    assert result.success
    assert checks["primary_key_unique"].metadata["scope"].value == "the whole table"  # first evaluation

    land("d2", [order("O4", day[2]), order("O5", day[2])], day[2])
    result, checks = run()
    assert result.success
    assert (
        checks["primary_key_unique"]
        .metadata["scope"]
        .value.startswith("keys of the 1 day(s) this run loaded")
    )
    # the month's other days are re-read; the 2 rows loaded now were validated before the COPY
    assert checks["contract"].metadata["rows_validated"].value == 3
    assert "less the 1 day(s) this run loaded" in checks["contract"].metadata["scope"].value

    land("d3", [order("O1", day[3]), order("O6", day[3])], day[3])  # O1 again, from day 0
    result, checks = run()
    assert not result.success
    pk = checks["primary_key_unique"]
    assert not pk.passed and pk.metadata["duplicated_keys"].value == 1
    assert "O1" in pk.metadata["examples"].value

    result, checks = run()  # nothing new landed: the failure must not vanish
    assert not result.success
    assert checks["primary_key_unique"].metadata["scope"].value == "the whole table"
    assert checks["primary_key_unique"].metadata["duplicated_keys"].value == 1

    land("d3-fixed", [order("O7", day[3]), order("O6", day[3])], day[3])  # the source corrected day 3
    result, checks = run()
    assert result.success
    assert checks["primary_key_unique"].metadata["scope"].value == "the whole table"
    result, checks = run()
    assert checks["primary_key_unique"].metadata["scope"].value.startswith("keys of the 0 day(s)")


def test_unchanged_dimension_source_is_not_re_read(
    export_dir: Path, data_dir: Path, fresh_db_url: str
) -> None:
    """Customers land once: the next run loads nothing and reports the checks that passed
    without re-reading the table; a new export is checked in full again."""
    resources = {"warehouse": PostgresResource(database_url=fresh_db_url)}
    rows = ["C1,a@x.io,2025-09-01,Regular,true,2025-09-01 08:00:00"]
    write(export_dir, "customers.csv", CUSTOMERS_HEADER, rows)
    importer.import_export(export_dir, as_of=dt.date(2025, 10, 1))

    def run() -> dict[str, dg.AssetCheckEvaluation]:
        result = dg.materialize(_assets("customers"), resources=resources)
        assert result.success
        return {k[1]: v for k, v in _checks(result).items()}

    first = run()
    assert first["contract"].metadata["rows_validated"].value == 1
    assert first["primary_key_unique"].metadata["scope"].value == "the whole table"
    again = run()
    for name in ("contract", "primary_key_unique"):
        assert again[name].passed
        assert again[name].metadata["scope"].value.startswith("nothing loaded since the last evaluation")
    assert again["staged_plus_rejected_equals_read"].passed  # the cheap checks still run

    rows.append("C1,a@x.io,2025-09-01,Premium,true,2025-10-02 08:00:00")
    write(export_dir, "customers.csv", CUSTOMERS_HEADER, rows)
    importer.import_export(export_dir, as_of=dt.date(2025, 10, 2))
    third = run()
    assert third["contract"].metadata["rows_validated"].value >= 2
    assert third["primary_key_unique"].metadata["scope"].value == "the whole table"


def test_contract_check_reads_the_window_in_bounded_slices(
    export_dir: Path, data_dir: Path, fresh_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-validation holds at most about SLICE_ROWS staged rows at a time, and still sees them all."""
    from ecom_assets.defs.staging import checks, contract_check
    from ecom_assets.lib.contracts import SOURCE_TABLES

    month = dt.date.fromisoformat(monthly_partitions.get_partition_keys()[0])
    days = [(month + dt.timedelta(days=i)).isoformat() for i in range(4)]
    rows = [order(f"O{i}{j}", d) for i, d in enumerate(days) for j in range(2)]
    write(export_dir, "orders.csv", ORDERS_HEADER, rows)
    importer.import_export(export_dir)
    monkeypatch.setattr(contract_check, "SLICE_ROWS", 3)
    for _ in range(2):  # the second run loads nothing, so it re-validates every staged row
        result = dg.materialize(
            _assets("orders"),
            partition_key=month.isoformat(),
            resources={"warehouse": PostgresResource(database_url=fresh_db_url)},
            raise_on_error=False,
        )
    with psycopg.connect(fresh_db_url) as conn:
        window = checks.Window(month, (month + dt.timedelta(days=32)).replace(day=1))
        parts = contract_check.slices(conn, SOURCE_TABLES["orders"], window)
    # 2 staged rows a day, slices of <= 3 rows: one day each, the last one open to the window's end
    assert [(p.start, p.end) for p in parts][0] == (month, month + dt.timedelta(days=1))
    assert parts[-1].end == window.end and len(parts) == 4
    assert all(a.end == b.start for a, b in zip(parts, parts[1:], strict=False))
    with psycopg.connect(fresh_db_url) as conn:  # a loaded day left out does not count towards a slice
        day1 = month + dt.timedelta(days=1)
        parts = contract_check.slices(
            conn, SOURCE_TABLES["orders"], checks.Window(window.start, window.end, (day1,))
        )
    assert [p.start for p in parts] == [month, month + dt.timedelta(days=2), month + dt.timedelta(days=3)]
    assert all(p.exclude == (day1,) for p in parts)
    contract = _checks(result)[("orders", "contract")]
    assert contract.passed and contract.metadata["rows_validated"].value == 8
