"""Injected faults: a killed load, a killed transform, disk full, the database down or restarted.

After each: every table (the ``ops`` ledgers included) is exactly as before the fault, and a
plain re-run gives the same checksums as the undisturbed pipeline. Each test works on its own
copy of the pipeline's database (``clone``); faults are injected from a superuser connection.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from psycopg import sql

from ecom_assets import cli
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.lib import postgres
from ecom_assets_tests.reliability.conftest import (
    Killer,
    Pipeline,
    admin_conn,
    checksums,
    dbname,
    failure_text,
    materialize,
    terminate_all,
)

ALL = ("staging", "warehouse", "analytics", "ops")
FAULT = """
CREATE FUNCTION public.rel_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.{column}::text = {value} THEN
        {action};
    END IF;
    RETURN NEW;
END $$
"""
NAP = "PERFORM pg_sleep(60)"
DISK_FULL = (
    "RAISE EXCEPTION USING ERRCODE = 'disk_full', "
    "MESSAGE = 'could not extend file \"base/16384/16399\": No space left on device'"
)


def inject(pipeline: Pipeline, url: str, table: str, column: str, value: str, action: str) -> None:
    """A row trigger on ``table`` that naps or fails when it meets ``column = value``."""
    with admin_conn(pipeline, url) as conn:
        conn.execute(
            sql.SQL(FAULT).format(
                column=sql.Identifier(column), value=sql.Literal(value), action=sql.SQL(action)
            )
        )
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER rel_fault BEFORE INSERT ON {} FOR EACH ROW EXECUTE FUNCTION public.rel_fault()"
            ).format(postgres.table_identifier(table))
        )


def remove(pipeline: Pipeline, url: str, table: str) -> None:
    with admin_conn(pipeline, url) as conn:
        conn.execute(sql.SQL("DROP TRIGGER rel_fault ON {}").format(postgres.table_identifier(table)))
        conn.execute("DROP FUNCTION public.rel_fault()")


def forget_loads(pipeline: Pipeline, url: str, table: str, month: str) -> None:
    """Drop the ledger rows of a month so the next run really loads it again."""
    with admin_conn(pipeline, url) as conn:
        conn.execute(
            "DELETE FROM ops.staging_loads WHERE table_name = %s AND date_trunc('month', day) = %s::date",
            (table, month),
        )


def middle(pipeline: Pipeline, url: str, query: str, month: str) -> str:
    with admin_conn(pipeline, url) as conn:
        rows = [r[0] for r in conn.execute(query, (month,)).fetchall()]
    assert len(rows) >= 3
    return str(rows[len(rows) // 2])


def test_staging_load_killed_mid_copy(pipeline: Pipeline, clone: str) -> None:
    month = pipeline.months[0]
    # the month's middle row in file order: half the month is already COPYed when it naps
    line = middle(
        pipeline,
        clone,
        "SELECT _source_line FROM staging.inventory WHERE date_trunc('month', _day) = %s::date ORDER BY 1",
        month,
    )
    inject(pipeline, clone, "staging.inventory", "_source_line", line, NAP)
    forget_loads(pipeline, clone, "inventory", month)
    before = checksums(clone, ALL)
    killer = Killer(pipeline.admin_url, dbname(clone))
    killer.start()
    result = materialize(clone, ["staging/inventory"], month)
    killer.join()

    assert killer.victim is not None and killer.victim.startswith("COPY "), killer.victim
    assert not result.success
    assert "terminating connection due to administrator command" in failure_text(result)
    assert checksums(clone, ALL) == before  # rows, rejects and ledger of the month as they were

    remove(pipeline, clone, "staging.inventory")
    again = materialize(clone, ["staging/inventory"], month)
    assert again.success
    assert again.asset_materializations_for_node("staging__inventory")[0].metadata["days_loaded"].value > 0
    assert checksums(clone) == pipeline.baseline


def test_fact_transform_killed_mid_statement(pipeline: Pipeline, clone: str) -> None:
    month = pipeline.months[0]
    order = middle(
        pipeline,
        clone,
        "SELECT order_id FROM warehouse.fact_orders WHERE date_trunc('month', order_date) = %s::date ORDER BY 1",
        month,
    )
    inject(pipeline, clone, "warehouse.fact_orders", "order_id", order, NAP)
    before = checksums(clone, ALL)
    refresh = {"ops": {"warehouse__fact_orders": {"config": {"full_refresh": True}}}}
    killer = Killer(pipeline.admin_url, dbname(clone))
    killer.start()
    result = materialize(clone, ["warehouse/fact_orders"], month, run_config=refresh)
    killer.join()

    # the month's days were already deleted in this transaction when the INSERT was killed
    assert killer.victim is not None and 'INSERT INTO "warehouse"."fact_orders"' in killer.victim, (
        killer.victim
    )
    assert not result.success
    assert "terminating connection due to administrator command" in failure_text(result)
    assert checksums(clone, ALL) == before

    remove(pipeline, clone, "warehouse.fact_orders")
    again = materialize(clone, ["warehouse/fact_orders"], month, run_config=refresh)
    assert again.success
    assert (
        again.asset_materializations_for_node("warehouse__fact_orders")[0].metadata["days_rebuilt"].value > 0
    )
    assert checksums(clone) == pipeline.baseline


def test_disk_full_during_copy(pipeline: Pipeline, clone: str) -> None:
    month = pipeline.months[1]
    line = middle(
        pipeline,
        clone,
        "SELECT _source_line FROM staging.inventory WHERE date_trunc('month', _day) = %s::date ORDER BY 1",
        month,
    )
    inject(pipeline, clone, "staging.inventory", "_source_line", line, DISK_FULL)
    forget_loads(pipeline, clone, "inventory", month)
    before = checksums(clone, ALL)
    result = materialize(clone, ["staging/inventory"], month)
    assert not result.success
    assert 'could not extend file "base/16384/16399": No space left on device' in failure_text(result)
    assert checksums(clone, ALL) == before

    remove(pipeline, clone, "staging.inventory")
    assert materialize(clone, ["staging/inventory"], month).success
    assert checksums(clone) == pipeline.baseline


def test_database_down_when_a_run_starts(
    pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ecom run` against a closed port: one line naming the server (password hidden), exit 2,
    no step started, no run recorded, nothing written to the landing zone or the outputs."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free now, and nobody listens on it once closed
    home = tmp_path / "dagster_home"
    monkeypatch.setenv("ECOM_DATABASE_URL", f"postgresql://ecom:Down-{port}-secret@127.0.0.1:{port}/ecom")
    monkeypatch.setenv("ECOM_DATA_DIR", str(pipeline.data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    files = {p: p.read_bytes() for p in pipeline.data_dir.rglob("*") if p.is_file()}

    assert cli.main(["run"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        f"ecom: cannot connect to PostgreSQL at postgresql://ecom:***@127.0.0.1:{port}/ecom: connection failed:"
    )
    assert "Connection refused" in err and len(err.strip().splitlines()) == 1
    assert "secret" not in err and "Traceback" not in err
    assert not home.exists()  # no Dagster run was even started
    assert {p: p.read_bytes() for p in pipeline.data_dir.rglob("*") if p.is_file()} == files


def test_database_restarted_between_two_runs(pipeline: Pipeline, clone: str) -> None:
    """Every connection of the database is closed between two runs that share one resource
    (what clients see of a restart; the shared test server itself cannot be restarted)."""
    month = pipeline.months[1]
    resource = PostgresResource(database_url=clone)
    keys = ["staging/orders", "staging/order_items", "warehouse/fact_orders", "warehouse/fact_order_items"]
    assert materialize(clone, keys, month, resource=resource).success
    forget_loads(pipeline, clone, "orders", month)
    forget_loads(pipeline, clone, "order_items", month)
    terminate_all(pipeline.admin_url, dbname(clone))

    again = materialize(clone, keys, month, resource=resource)
    assert again.success
    assert again.asset_materializations_for_node("staging__orders")[0].metadata["days_loaded"].value > 0
    assert checksums(clone) == pipeline.baseline
