"""Two runs at once: the same partition twice ends with one correct copy; a daily run beside a
backfill of other days is safe. Threads start together at a barrier and really write (their
load ledgers were emptied, facts run with ``full_refresh``)."""

from __future__ import annotations

import threading

import dagster as dg
import psycopg

from ecom_assets_tests.reliability.conftest import Pipeline, admin_conn, checksums, materialize

ORDERS = ["staging/orders", "staging/order_items", "warehouse/fact_orders", "warehouse/fact_order_items"]
REFRESH = {
    "ops": {
        f"warehouse__{f}": {"config": {"full_refresh": True}} for f in ("fact_orders", "fact_order_items")
    }
}
KEYS = {
    "staging.orders": "order_id",
    "staging.order_items": "order_item_id",
    "warehouse.fact_orders": "order_id",
    "warehouse.fact_order_items": "order_item_id",
}


def together(*jobs: tuple[str, str]) -> list[dg.ExecuteInProcessResult]:
    """Materialize ORDERS for each (url, month) in its own thread, all released at once."""
    barrier = threading.Barrier(len(jobs))
    results: list[dg.ExecuteInProcessResult | BaseException | None] = [None] * len(jobs)

    def work(i: int, url: str, month: str) -> None:
        barrier.wait()
        try:
            results[i] = materialize(url, ORDERS, month, run_config=REFRESH)
        except BaseException as exc:  # reported below, with the other thread's outcome
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, dg.ExecuteInProcessResult) for r in results), results
    return results  # type: ignore[return-value]


def explain(result: dg.ExecuteInProcessResult) -> str:
    """Why a run failed: each step failure's chain of causes, and the failed checks."""
    lines = []
    for event in result.get_step_failure_events():
        error = event.event_specific_data.error
        while error is not None:
            lines.append(f"{event.step_key}: {error.message.strip()}")
            error = error.cause
    lines += [
        f"{e.asset_key.to_user_string()}/{e.check_name}: {e.description}"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    return "\n".join(lines)


def forget(pipeline: Pipeline, url: str, where: str, params: tuple) -> None:
    with admin_conn(pipeline, url) as conn:
        conn.execute(
            f"DELETE FROM ops.staging_loads WHERE table_name IN ('orders', 'order_items') AND {where}", params
        )


def duplicates(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(
                f"SELECT count(*) - count(DISTINCT {key}) FROM {table}"  # noqa: S608 - constants
            ).fetchone()[0]
            for table, key in KEYS.items()
        }


def test_two_runs_of_the_same_partition_leave_one_copy(pipeline: Pipeline, clone: str) -> None:
    month = pipeline.months[0]
    forget(pipeline, clone, "date_trunc('month', day) = %s::date", (month,))
    results = together((clone, month), (clone, month))
    assert all(r.success for r in results), [explain(r) for r in results]
    loaded = [
        r.asset_materializations_for_node("staging__orders")[0].metadata["days_loaded"].value for r in results
    ]
    assert sorted(loaded)[0] == 0 and sorted(loaded)[1] > 0  # the second waited, then found the days loaded
    assert duplicates(clone) == dict.fromkeys(KEYS, 0)
    assert checksums(clone) == pipeline.baseline


def test_daily_run_beside_a_backfill_of_other_days(pipeline: Pipeline, clone: str) -> None:
    """The backfill reloads the first month while the daily run reloads the last landed day."""
    first, last = pipeline.months
    with admin_conn(pipeline, clone) as conn:
        last_day = conn.execute(
            "SELECT max(day) FROM ops.staging_loads WHERE table_name = 'orders'"
        ).fetchone()[0]
    forget(pipeline, clone, "(date_trunc('month', day) = %s::date OR day = %s)", (first, last_day))
    backfill, daily = together((clone, first), (clone, last))
    assert backfill.success and daily.success, [explain(r) for r in (backfill, daily)]
    assert daily.asset_materializations_for_node("staging__orders")[0].metadata["days_loaded"].value == 1
    assert duplicates(clone) == dict.fromkeys(KEYS, 0)
    assert checksums(clone) == pipeline.baseline
