"""A backfill as one run per month, several at once, through Dagster's run queue.

``ecom run --per-month [--concurrency N]`` (``runner.run_graph`` is the single-run way). The
graph has three kinds of asset, and a month-run can only own the first:

1. **partitioned** (raw, staging and facts of the event tables): one run per month, all
   submitted at once; the queue starts ``max_concurrent_runs`` of them at a time, each in its
   own process, so the months load side by side;
2. **unpartitioned upstream** of them (the customers/products/campaigns exports, their staging
   and SCD2 dimensions, which the facts join to): one run *before* the months. Each month-run
   including them would rebuild the same dimension N times, serialised on its advisory lock;
3. **unpartitioned downstream** (``dim_date``, the analytics, the report, the dashboards read
   every month): one run *after* the last month, which builds them once over the whole history.

The result is the same tables as one single run (``ecom_assets_tests/backfill/``). The runs are
created with the ``pipeline_job`` of the code location (the UI lists them under it, tagged
``ecom/backfill`` and ``ecom/backfill_phase``) and launched by the instance's run launcher, one
process each. This process drives the queue itself (the queued-run daemon's own iteration) unless
a daemon (``ecom ui``, ``dagster-daemon``) is already heartbeating on the instance; then that
daemon launches them, with its own ``max_concurrent_runs``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dagster as dg
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.execution.submit_asset_runs import RunRequestExecutionData, submit_asset_run
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.dagster_run import DagsterRunStatus
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

from ecom_assets import runner
from ecom_assets.instance import local
from ecom_assets.lib import landing, postgres, settings, window

BACKFILL_TAG = "ecom/backfill"
PHASE_TAG = "ecom/backfill_phase"  # "before", "month" or "after"
PARTITION_TAG = "dagster/partition"
# The code location as `ecom ui` (dagster dev -m) loads it: no name of its own, so runs made here
# are the UI's runs of the same location.
CODE_MODULE = "ecom_assets.definitions"
DEFAULT_CONCURRENCY = 3
# A daemon that wrote a heartbeat this recently is running and drains the queue itself.
DAEMON_FRESH_SECONDS = 60.0


@dataclass
class Plan:
    before: list[dg.AssetKey]
    partitioned: list[dg.AssetKey]
    after: list[dg.AssetKey]
    months: list[str]


@dataclass
class RunTimes:
    label: str  # "before", a month's partition key, or "after"
    run_id: str
    status: str
    start: float | None  # epoch seconds, from the instance's run record
    end: float | None


@dataclass
class BackfillSummary:
    backfill_id: str
    runs: list[RunTimes]
    summary: runner.RunSummary  # every run's events, as one run's summary
    seconds: float
    concurrency: int

    @property
    def ok(self) -> bool:
        return self.summary.ok and all(r.status == DagsterRunStatus.SUCCESS.value for r in self.runs)

    def overlapping_months(self) -> int:
        """The most month-runs that were executing at the same instant (1: none overlapped)."""
        spans = [
            (r.start, r.end) for r in self.runs if r.label not in ("before", "after") and r.start and r.end
        ]
        edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda x: (x[0], x[1]))
        most = current = 0
        for _, step in edges:
            current += step
            most = max(most, current)
        return most


def plan(defs: dg.Definitions, months: Sequence[str], selection: Sequence[dg.AssetKey]) -> Plan:
    """Split ``selection`` into before / per month / after (module docstring)."""
    graph = defs.resolve_asset_graph()
    chosen = set(selection)
    partitioned = {k for k in chosen if graph.get(k).partitions_def is not None}
    after = {k for k in chosen - partitioned if graph.get_ancestor_asset_keys(k) & partitioned}
    before = chosen - partitioned - after
    for key in partitioned:
        # a month-run that needed something of the after-run would read it unbuilt
        if graph.get_ancestor_asset_keys(key) & after:
            raise ValueError(f"{key.to_user_string()} is partitioned and downstream of {sorted(after)}")
    order = {k: i for i, k in enumerate(graph.toposorted_asset_keys)}
    return Plan(
        sorted(before, key=order.__getitem__),
        sorted(partitioned, key=order.__getitem__),
        sorted(after, key=order.__getitem__),
        list(months),
    )


def queued_instance(concurrency: int) -> dg.DagsterInstance:
    """The CLI's local instance (``ecom ui`` shows its runs) with a run queue of ``concurrency``."""
    home = local.dagster_home()
    overrides = {
        "run_coordinator": {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator"},
        "concurrency": {"runs": {"max_concurrent_runs": concurrency}},
    }
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=overrides))


def daemon_running(instance: dg.DagsterInstance) -> bool:
    beats = instance.get_daemon_heartbeats()
    beat = beats.get(QueuedRunCoordinatorDaemon.daemon_type())
    return beat is not None and time.time() - beat.timestamp < DAEMON_FRESH_SECONDS


def run_per_month(
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    instance: dg.DagsterInstance | None = None,
    asset_selection: list[dg.AssetKey] | None = None,
    tags: dict[str, str] | None = None,
    report: Callable[[str], None] | None = None,
    poll_seconds: float = 0.5,
) -> BackfillSummary:
    """Materialize every asset over the landed days in ``[start, end]``, one run per month.

    ``instance`` must have a ``QueuedRunCoordinator`` (its ``max_concurrent_runs`` then limits the
    months at once; ``concurrency`` only configures the CLI's own instance when none is given).
    ``report`` gets one line per run started and finished.
    """
    t0 = time.perf_counter()
    say = report or (lambda _line: None)
    defs = runner.load_definitions()
    first, last = window.first_landed_day(), landing.as_of_date()
    if first is None or last is None:
        raise SystemExit(
            f"nothing has landed in {settings.landing_dir()}: run `ecom generate` or `ecom import DIR` first"
        )
    start, end = start or first, end or last
    rng = runner.partition_range(start, end, defs)
    from ecom_assets.defs.partitions import monthly_partitions

    months = [k for k in monthly_partitions.get_partition_keys() if rng and rng[0] <= k <= rng[1]]
    steps = plan(defs, months, asset_selection or runner.pipeline_assets(defs))
    with postgres.connect(postgres.resolve_url()):
        pass  # the warehouse is down: one clear line, not a failed run per month
    if instance is None:
        instance = queued_instance(concurrency)
    backfill_id = uuid.uuid4().hex[:8]
    from ecom_assets.defs.run_values import as_of_tags

    # the as-of date travels with every run of the backfill (defs/run_values.py)
    base_tags = {**as_of_tags(last), **(tags or {}), BACKFILL_TAG: backfill_id}
    log_level = os.environ.get("ECOM_LOG_LEVEL", "WARNING").upper()
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    target = ModuleTarget(module_name=CODE_MODULE, attribute=None, working_directory=None, location_name=None)
    runs: list[RunTimes] = []
    with WorkspaceProcessContext(instance, target) as ctx:
        drive = not daemon_running(instance)
        if not drive:
            say("a Dagster daemon is running on this instance: it launches the queued runs")
        queue = _Queue(ctx, drive, poll_seconds, say)
        phases: list[tuple[str, list[dg.AssetKey], list[str | None]]] = [
            ("before", steps.before, [None]),
            ("month", steps.partitioned, list(steps.months)),
            ("after", steps.after, [None]),
        ]
        for phase, keys, partitions in phases:
            if not keys or not partitions:
                continue
            requests = [
                dg.RunRequest(
                    job_name=runner.PIPELINE_JOB,
                    asset_selection=keys,
                    run_config=run_config,
                    tags={**base_tags, PHASE_TAG: phase, **({PARTITION_TAG: p} if p else {})},
                )
                for p in partitions
            ]
            labels = [p or phase for p in partitions]
            done = queue.run(requests, labels)
            runs += done
            if any(r.status != DagsterRunStatus.SUCCESS.value for r in done):
                break  # the next phase would build on a failed one
    events = [
        (
            r.run_id,
            [rec.dagster_event for rec in instance.all_logs(r.run_id) if rec.dagster_event is not None],
        )
        for r in runs
    ]
    ok = bool(runs) and all(r.status == DagsterRunStatus.SUCCESS.value for r in runs)
    summary = runner.summarise_events(backfill_id, ok, events, time.perf_counter() - t0, defs)
    summary.data = runner._data_handling()
    return BackfillSummary(backfill_id, runs, summary, time.perf_counter() - t0, concurrency)


class _Queue:
    """Submits run requests to the instance's queue and waits for them, dequeuing if asked to."""

    def __init__(self, ctx: WorkspaceProcessContext, drive: bool, poll: float, say: Callable[[str], None]):
        self.ctx, self.drive, self.poll, self.say = ctx, drive, poll, say
        self.instance = ctx.instance
        self.daemon = QueuedRunCoordinatorDaemon(interval_seconds=poll) if drive else None
        self.cache: dict[JobSubsetSelector, RunRequestExecutionData] = {}
        self.logger = logging.getLogger("ecom.backfill")

    def run(self, requests: list[dg.RunRequest], labels: list[str]) -> list[RunTimes]:
        workspace = self.ctx.create_request_context()
        ids = []
        for i, request in enumerate(requests):
            run = asyncio.run(
                submit_asset_run(
                    None, request, i, self.instance, self.ctx, workspace, self.cache, {}, self.logger
                )
            )
            ids.append(run.run_id)
        label_of = dict(zip(ids, labels, strict=True))
        pending, seen_start = set(ids), set()
        while pending:
            if self.daemon is not None:
                for _ in self.daemon.run_iteration(self.ctx):
                    pass
            for run_id in sorted(pending):
                run = self.instance.get_run_by_id(run_id)
                assert run is not None
                if run.status == DagsterRunStatus.STARTED and run_id not in seen_start:
                    seen_start.add(run_id)
                    self.say(f"{label_of[run_id]}: run {run_id} started")
                if run.is_finished:
                    pending.discard(run_id)
                    self.say(f"{label_of[run_id]}: run {run_id} {run.status.value.lower()}")
                elif run.status == DagsterRunStatus.STARTED and self._worker_gone(run):
                    # no run monitoring here: a worker killed from outside leaves its run STARTED
                    self.instance.report_run_failed(run, "the run's process exited without finishing")
            if pending:
                time.sleep(self.poll)
        out = []
        for run_id in ids:
            record = self.instance.get_run_record_by_id(run_id)
            assert record is not None
            out.append(
                RunTimes(
                    label_of[run_id],
                    run_id,
                    record.dagster_run.status.value,
                    record.start_time,
                    record.end_time,
                )
            )
        return out

    def _worker_gone(self, run: dg.DagsterRun) -> bool:
        from dagster._core.launcher import WorkerStatus

        launcher = self.instance.run_launcher
        if not launcher.supports_check_run_worker_health:
            return False
        try:
            health = launcher.check_run_worker_health(run)
        except Exception:  # noqa: BLE001 - the code server may be restarting: ask again next poll
            return False
        if health.status not in (WorkerStatus.FAILED, WorkerStatus.NOT_FOUND):
            return False
        fresh = self.instance.get_run_by_id(run.run_id)  # it may have finished in between
        return fresh is not None and not fresh.is_finished


def print_summary(result: BackfillSummary) -> None:
    link = f"{settings.ui_url()}/runs?q%5B0%5D=tag%3A{BACKFILL_TAG}%3D{result.backfill_id}"
    runner.print_summary(result.summary, run_label=f"backfill {result.backfill_id}", ui_url=link)
    print(f"  {len(result.runs)} runs, up to {result.overlapping_months()} months at once:")
    for r in result.runs:
        took = f"{r.end - r.start:.1f} s" if r.start and r.end else ""
        print(f"    {r.label:<10}  {r.run_id}  {r.status.lower():<9}  {took}")
