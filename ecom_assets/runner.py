"""Materialize the whole asset graph in one run, and summarise what happened.

Used by ``ecom run`` and ``ecom demo``. One run, in process: the partitioned assets get the
month range covering the requested days (single-run backfill), the others run once.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from ecom_assets.instance import local
from ecom_assets.lib import landing, postgres, progress, settings, window


@dataclass
class AssetLine:
    asset: str
    rows: int | None = None
    rejects: int | None = None
    read: int | None = None  # staging: lines read (= rows staged + lines rejected)
    partitions: str | None = None
    outputs: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    run_id: str
    success: bool
    assets: list[AssetLine]
    failed_assets: list[str]
    failed_checks: list[tuple[str, str, str, bool]]  # asset, check, description, blocking
    passed_checks: int
    seconds: float
    data: list[str] = field(default_factory=list)  # what happened to the data on its way in

    @property
    def ok(self) -> bool:
        return self.success and not self.failed_assets and not any(b for *_, b in self.failed_checks)


# The CLI's local instance lives in ecom_assets.instance.local; these names stay importable here.
dagster_home = local.dagster_home
local_instance_yaml = local.local_instance_yaml
OLD_LOCAL_INSTANCE_YAML = local.OLD_LOCAL_INSTANCE_YAML
# The job `ecom run` executes: every asset bar the generator (defs/ops/jobs.py), so the run list,
# the alerts and the UI name CLI runs after what they ran instead of Dagster's `__ASSET_JOB`.
PIPELINE_JOB = "pipeline_job"


def load_definitions() -> dg.Definitions:
    from ecom_assets.definitions import defs

    return defs()


def pipeline_assets(defs: dg.Definitions) -> list[dg.AssetKey]:
    """Every asset but the generator (tag ``ecom/role=generator``): a run never overwrites the landing zone."""
    graph = defs.resolve_asset_graph()
    return [
        key
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and graph.get(key).tags.get("ecom/role") != "generator"
    ]


def partition_range(start: dt.date, end: dt.date, defs: dg.Definitions) -> tuple[str, str] | None:
    """The first and last monthly partition keys covering ``[start, end]`` that exist."""
    from ecom_assets.defs.partitions import monthly_partitions, partition_key_for

    keys = monthly_partitions.get_partition_keys()
    wanted = [k for k in keys if partition_key_for(start) <= k <= partition_key_for(end)]
    return (wanted[0], wanted[-1]) if wanted else None


def _int(value: object) -> int | None:
    raw = getattr(value, "value", value)
    return raw if isinstance(raw, int) else None


def run_graph(
    start: dt.date | None = None,
    end: dt.date | None = None,
    instance: dg.DagsterInstance | None = None,
    tags: dict[str, str] | None = None,
    asset_selection: list[dg.AssetKey] | None = None,
    *,
    progress_to: progress.Progress | None = None,
) -> RunSummary:
    """Materialize every asset over the landed days in ``[start, end]`` (default: all of them).

    ``asset_selection`` narrows the run (tests leave out the dashboards' browser rendering);
    ``progress_to`` gets one step per finished asset while the run goes (``defs/ops/progress.py``).
    """
    import time

    t0 = time.perf_counter()
    defs = load_definitions()
    from ecom_assets.defs.run_values import as_of_tags

    first, last = window.first_landed_day(), landing.as_of_date()
    if first is None or last is None:
        raise SystemExit(
            f"nothing has landed in {settings.landing_dir()}: run `ecom generate` or `ecom import DIR` first"
        )
    start, end = start or first, end or last
    run_tags = {**as_of_tags(last), **(tags or {})}  # the as-of date travels with the run
    rng = partition_range(start, end, defs)
    if rng:
        run_tags["dagster/asset_partition_range_start"] = rng[0]
        run_tags["dagster/asset_partition_range_end"] = rng[1]
    with postgres.connect(postgres.resolve_url()):
        pass  # the warehouse is down: one clear line (DatabaseUnavailable), not a traceback per step
    if instance is None:
        dagster_home()
        instance = dg.DagsterInstance.get()
    job = defs.resolve_job_def(PIPELINE_JOB)
    log_level = os.environ.get("ECOM_LOG_LEVEL", "WARNING").upper()
    loggers = {"console": {"config": {"log_level": log_level}}, "ecom_progress": {}}
    with progress.reporting_to(progress_to or progress.Progress.silent()):
        result = job.execute_in_process(
            run_config={"loggers": loggers},
            instance=instance,
            tags=run_tags,
            raise_on_error=False,
            asset_selection=asset_selection or pipeline_assets(defs),
        )
    summary = summarise(result, time.perf_counter() - t0, defs)
    summary.data = _data_handling()
    return summary


def _data_handling() -> list[str]:
    """Normalizations and rejects by class, from the warehouse (empty when it cannot be read)."""
    import psycopg

    from ecom_assets.defs.staging.summary import data_handling

    try:
        with postgres.connect(postgres.resolve_url()) as conn:
            return data_handling(conn).lines()
    except (psycopg.Error, postgres.DatabaseUnavailable):  # the run's own result is what matters
        return []


def run_url(run_id: str) -> str:
    """Where a run is seen in the UI (``ECOM_UI_URL``)."""
    return f"{settings.ui_url()}/runs/{run_id}"


def summarise(result: dg.ExecuteInProcessResult, seconds: float, defs: dg.Definitions) -> RunSummary:
    return summarise_events(
        result.run_id, result.success, [(result.run_id, result.all_events)], seconds, defs
    )


def summarise_events(
    run_id: str,
    success: bool,
    runs: Sequence[tuple[str, Sequence[dg.DagsterEvent]]],
    seconds: float,
    defs: dg.Definitions,
) -> RunSummary:
    """One summary of the events of one run, or of several (a per-month backfill, ``backfill.py``).

    A single-run range repeats the same metadata on every partition, so rows are taken once per
    asset and run, and added up over the runs (each month-run counts its own month).
    """
    lines: dict[str, AssetLine] = {}
    failed_checks, passed = [], 0
    seen: set[tuple[str, str]] = set()
    blocking = _blocking_checks(defs)
    failed_assets: list[str] = []
    for rid, events in runs:
        for event in events:
            if event.event_type_value == "ASSET_MATERIALIZATION":
                mat = event.event_specific_data.materialization
                key = mat.asset_key.to_user_string()
                line = lines.setdefault(key, AssetLine(key))
                md = mat.metadata
                first_seen = (key, rid) not in seen
                seen.add((key, rid))
                if mat.partition:
                    line.partitions = _widen(line.partitions, mat.partition)
                if not first_seen:
                    continue
                if (rows := _int(md.get("dagster/row_count"))) is not None:
                    line.rows = rows + (line.rows or 0)
                if (rej := _int(md.get("rejected_rows"))) is not None:
                    line.rejects = rej + (line.rejects or 0)
                if (read := _int(md.get("rows_read"))) is not None:
                    line.read = read + (line.read or 0)
                for k, v in md.items():
                    if k.endswith("_path") and isinstance(getattr(v, "value", None), str):
                        line.outputs.append(v.value)
            elif event.event_type_value == "ASSET_CHECK_EVALUATION":
                ev = event.event_specific_data
                if ev.passed:
                    passed += 1
                else:
                    key = ev.asset_key.to_user_string()
                    desc = ev.description or _metadata_text(ev.metadata)
                    failed_checks.append(
                        (key, ev.check_name, desc, (ev.asset_key, ev.check_name) in blocking)
                    )
            elif event.event_type_value == "STEP_FAILURE" and event.step_key:
                failed_assets.append(event.step_key)
    return RunSummary(run_id, success, list(lines.values()), failed_assets, failed_checks, passed, seconds)


def _widen(span: str | None, partition: str) -> str:
    """``first..last`` of the partitions seen so far, with ``partition`` added."""
    if span is None:
        return partition
    first, _, last = span.partition("..")
    return f"{min(first, partition)}..{max(last or first, partition)}"


def _metadata_text(metadata: dict[str, object], limit: int = 160) -> str:
    """A check's numbers in one line, for checks that report counts rather than a sentence."""
    parts = []
    for k, v in metadata.items():
        raw = getattr(v, "value", v)
        if isinstance(raw, int | float | str) and not isinstance(raw, bool) and len(str(raw)) < 40:
            parts.append(f"{k}={raw}")
    return ", ".join(parts)[:limit]


def _blocking_checks(defs: dg.Definitions) -> set[tuple[dg.AssetKey, str]]:
    out = set()
    graph = defs.resolve_asset_graph()
    for check_key in graph.asset_check_keys:
        if graph.get_check_spec(check_key).blocking:
            out.add((check_key.asset_key, check_key.name))
    return out


def print_summary(summary: RunSummary, run_label: str | None = None, ui_url: str | None = None) -> None:
    label = run_label or f"run {summary.run_id}"
    print(f"{label}: {'succeeded' if summary.ok else 'FAILED'} in {summary.seconds:.1f} s")
    width = max([len(a.asset) for a in summary.assets] + [5])
    print(f"  {'asset':<{width}}  {'read':>10}  {'rows':>10}  {'rejects':>8}  partitions")
    for a in sorted(summary.assets, key=lambda a: a.asset):
        read = f"{a.read:,}" if a.read is not None else ""
        rows = f"{a.rows:,}" if a.rows is not None else "-"
        rej = f"{a.rejects:,}" if a.rejects is not None else "-"
        print(f"  {a.asset:<{width}}  {read:>10}  {rows:>10}  {rej:>8}  {a.partitions or ''}")
    if summary.data:
        print("  what happened to the data:")
        for line in summary.data:
            print(f"    {line}")
    print(f"  checks: {summary.passed_checks} passed, {len(summary.failed_checks)} failed")
    for asset, check, desc, blocking in summary.failed_checks:
        print(f"    {'BLOCKING' if blocking else 'warn'}: {asset} / {check}: {desc}")
    for step in summary.failed_assets:
        print(f"  FAILED step: {step}")
    outputs = [o for a in summary.assets for o in a.outputs]
    for o in outputs:
        print(f"  output: {o}")
    print(f"  in the UI: {ui_url or run_url(summary.run_id)}  (start it with `{ecom_command()} ui`)")


def ecom_command() -> str:
    """How the user's shell reaches this same ``ecom``: ``ecom`` when that is on PATH, else its
    path (after ``./dev demo`` it is ``.venv/bin/ecom``: a hint copied as printed then works)."""
    exe = Path(sys.argv[0])
    found = shutil.which("ecom")
    if exe.name != "ecom" or (found and Path(found).resolve() == exe.resolve()):
        return "ecom"
    path = os.path.relpath(os.path.abspath(exe))
    return os.path.abspath(exe) if path.startswith("..") else path
