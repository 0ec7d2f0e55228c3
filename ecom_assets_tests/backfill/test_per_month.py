"""A per-month backfill, several months at once through the run queue, builds the same tables as one run.

One small history (four months, fixed seed) is landed once and built twice from the same landing
zone: (a) as one single run (``runner.run_graph``, what ``ecom run`` does) into database A; (b) as
one run per month (``backfill.run_per_month``, what ``ecom run --per-month`` does) into database
B, submitted to a real instance's run queue (a ``dagster.yaml`` in a temporary ``DAGSTER_HOME``:
``QueuedRunCoordinator``, ``max_concurrent_runs: 3``) and launched by the queued-run daemon's
iteration, each run in its own process. Every warehouse and analytics table must then have the
same checksum in A and B, over all its columns: none of them holds a build timestamp (the load
times are kept in ``ops`` and staging, which are not compared). The month-runs' start and end
times from the instance must overlap, so the equality is proven for months built side by side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from ecom_assets import backfill, runner
from ecom_assets.defs.raw import importer
from ecom_assets.instance import local
from ecom_assets.lib import generator, postgres, settings
from ecom_assets_tests.conftest import create_database, drop_database

# From the partitions' default start, so this process (which may have loaded the definitions
# before anything landed) and the run processes agree on the month keys.
START = dt.date.fromisoformat(settings.DEFAULT_START_DATE)
END = dt.date(START.year + (START.month + 2) // 12, (START.month + 2) % 12 + 1, 20)  # 4 months
SCALE, SEED = 0.02, 5
MAX_CONCURRENT = 3
LAYERS = ("warehouse", "analytics")


def months() -> list[str]:
    out, m = [], START.replace(day=1)
    while m <= END:
        out.append(m.isoformat())
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return out


def checksums(url: str) -> dict[str, str]:
    """table -> md5 of all its rows in a total order (the rows' text), for every table and view of
    the warehouse and analytics schemas; a partitioned fact once, its month partitions included."""
    with psycopg.connect(url, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) "
                "AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition ORDER BY 1",
                (list(LAYERS),),
            ).fetchall()
        ]
        return {t: postgres.table_checksum(conn, t) for t in names}


def fact_partitions(url: str) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'warehouse' AND c.relkind = 'r' "
            "ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


def queued_instance(home: Path) -> dg.DagsterInstance:
    """The CLI's local instance configuration with a run queue of ``MAX_CONCURRENT``."""
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(
        local.local_instance_yaml(home)
        + "run_coordinator:\n"
        + "  module: dagster._core.run_coordinator\n"
        + "  class: QueuedRunCoordinator\n"
        + "concurrency:\n"
        + "  runs:\n"
        + f"    max_concurrent_runs: {MAX_CONCURRENT}\n"
    )
    return dg.DagsterInstance.from_config(str(home))


@pytest.fixture
def two_databases(admin_url: str) -> Iterator[tuple[str, str]]:
    a, b = create_database(admin_url, "ecom_single"), create_database(admin_url, "ecom_months")
    yield a, b
    drop_database(admin_url, a)
    drop_database(admin_url, b)


def test_per_month_runs_side_by_side_build_the_single_runs_tables(
    two_databases: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url_a, url_b = two_databases
    monkeypatch.setenv(settings.ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.delenv(settings.ENV_START_DATE, raising=False)
    monkeypatch.delenv("ECOM_BI_PASSWORD", raising=False)
    generator.generate(tmp_path / "export", scale=SCALE, seed=SEED, start=START, end=END, progress=False)
    importer.import_export(tmp_path / "export")
    keys = [k for k in runner.pipeline_assets(runner.load_definitions()) if k.path[0] != "dashboards"]

    # (a) one run over the month range
    monkeypatch.setenv(settings.ENV_DATABASE_URL, url_a)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home_single"))
    with dg.DagsterInstance.ephemeral() as instance:
        single = runner.run_graph(instance=instance, asset_selection=keys)
    assert single.ok, (single.failed_assets, single.failed_checks)

    # (b) one run per month through the queue, in processes of their own (they read these variables)
    monkeypatch.setenv(settings.ENV_DATABASE_URL, url_b)
    home = tmp_path / "home_queue"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with queued_instance(home) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        result = backfill.run_per_month(instance=instance, asset_selection=keys)
        month_runs = [r for r in result.runs if r.label not in ("before", "after")]
        assert result.ok, [(r.label, r.status) for r in result.runs]
        assert [r.label for r in month_runs] == months()
        assert [r.label for r in result.runs] == ["before", *months(), "after"]
        for r in month_runs:  # one month each, the partition Dagster executed
            run = instance.get_run_by_id(r.run_id)
            assert run is not None and run.tags["dagster/partition"] == r.label
            assert run.tags[backfill.BACKFILL_TAG] == result.backfill_id
        before, after = result.runs[0], result.runs[-1]

    # side by side: a month-run started before another had ended, and the phases did not overlap
    assert result.overlapping_months() >= 2, [(r.label, r.start, r.end) for r in month_runs]
    assert result.overlapping_months() <= MAX_CONCURRENT
    assert before.end is not None and all(r.start is not None and r.start >= before.end for r in month_runs)
    assert after.start is not None and all(r.end is not None and r.end <= after.start for r in month_runs)

    # the same tables, byte for byte
    single_sums, month_sums = checksums(url_a), checksums(url_b)
    assert len(single_sums) > 15 and "warehouse.fact_orders" in single_sums
    differ = sorted(t for t in single_sums if single_sums[t] != month_sums.get(t))
    assert sorted(month_sums) == sorted(single_sums)
    assert differ == []
    assert fact_partitions(url_a) == fact_partitions(url_b)
    assert len(fact_partitions(url_b)) == 4 * len(months())  # four facts, one partition per month
    with psycopg.connect(url_b) as conn:
        per_month = conn.execute(
            "SELECT date_trunc('month', order_date)::date, count(*) FROM warehouse.fact_orders GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert [m.isoformat() for m, n in per_month if n > 0] == months()  # every month has rows


def test_cli_concurrency_implies_per_month_and_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    from ecom_assets import cli

    parser = cli.build_parser()
    args = parser.parse_args(["run", "--concurrency", "2"])
    assert (args.per_month, args.concurrency) == (False, 2)  # cmd_run takes either as per-month
    assert parser.parse_args(["run", "--per-month"]).concurrency is None  # the default, 3
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "--concurrency", "0"])
    assert "1 or more" in capsys.readouterr().err
