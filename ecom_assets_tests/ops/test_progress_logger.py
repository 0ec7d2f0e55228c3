"""A run reports each finished step to the command's progress while it goes (``ecom run``)."""

from __future__ import annotations

import io

import dagster as dg

from ecom_assets.defs.ops import progress as progress_logger
from ecom_assets.lib import progress
from ecom_assets.lib.progress import Progress


@dg.asset(key_prefix="staging")
def orders() -> None:
    pass


@dg.asset(key_prefix="warehouse", deps=[orders])
def fact_orders() -> None:
    raise RuntimeError("boom")


@dg.asset(key_prefix="analytics", deps=[fact_orders])
def daily_sales() -> None:
    pass


DEFS = dg.Definitions(
    assets=[orders, fact_orders, daily_sales],
    jobs=[dg.define_asset_job("pipeline_job")],
    loggers=progress_logger.loggers().loggers,
)
LOGGERS = {"console": {"config": {"log_level": "CRITICAL"}}, progress_logger.LOGGER_NAME: {}}


def test_each_step_is_a_line_as_it_finishes() -> None:
    out = io.StringIO()
    with dg.instance_for_test() as instance, progress.reporting_to(Progress("lines", out)):
        result = DEFS.resolve_job_def("pipeline_job").execute_in_process(
            instance=instance, run_config={"loggers": LOGGERS}, raise_on_error=False
        )
    lines = [line.split(" in ")[0].rsplit(" (", 1)[0] for line in out.getvalue().splitlines()]
    assert lines == [
        "  ok      staging/orders",
        "  FAILED  warehouse/fact_orders",
        f"pipeline_job {result.run_id[:8]}: failure",
    ]


def test_a_run_without_the_logger_or_a_command_prints_nothing() -> None:
    out = io.StringIO()
    with dg.instance_for_test() as instance:
        DEFS.resolve_job_def("pipeline_job").execute_in_process(
            instance=instance, run_config={"loggers": LOGGERS}, raise_on_error=False
        )
        with progress.reporting_to(Progress("lines", out)):
            DEFS.resolve_job_def("pipeline_job").execute_in_process(instance=instance, raise_on_error=False)
    assert out.getvalue() == ""


def test_step_count_reads_the_executors_list() -> None:
    assert progress_logger.step_count("['a', 'b', 'c']") == 3
    assert progress_logger.step_count(["a"]) == 1
    assert progress_logger.step_count("not a list") is None
