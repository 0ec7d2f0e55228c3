"""The daily job, the schedule that runs it, and the demo mode that simulates each new day.

The daily run materializes every asset (bar the generator) for one monthly partition: the
month holding the day being loaded. The partitioned staging and fact loads only redo the
days whose landed file changed, so refreshing the whole month costs about one day; the
dimensions, analytics, report and dashboards are unpartitioned and rebuilt once.

Which day: with a real source the files of day D land overnight and the 06:00 run of D+1
loads them, so the schedule runs the month of the day before the tick. In demo mode
(``ECOM_DEMO_DAILY=1``) nothing lands by itself: the schedule instead runs
``simulate_day_job``, which writes the day after the landed as-of date with the generator
and lands it with the importer, and ``run_daily_after_simulated_day`` starts the daily job
for that day's month when it succeeds. Two runs, so each step shows (and retries) in the UI
and no schedule evaluation has side effects.
"""

import datetime as dt
import os

import dagster as dg

from ecom_assets.defs.ops.executor import executor_from_env
from ecom_assets.defs.partitions import monthly_partitions, partition_key_for
from ecom_assets.defs.raw.generate_land import generate_and_land
from ecom_assets.defs.run_values import as_of_tags
from ecom_assets.lib import landing, settings

ENV_DEMO_DAILY = "ECOM_DEMO_DAILY"
ENV_DEMO_SCALE = "ECOM_DEMO_SCALE"
ENV_SCHEDULE_CRON = "ECOM_DAILY_CRON"
ENV_TIMEZONE = "ECOM_TIMEZONE"
DEFAULT_CRON = "0 6 * * *"
DEFAULT_TIMEZONE = "UTC"
DAY_TAG = "ecom/day"

DAILY_SELECTION = dg.AssetSelection.all() - dg.AssetSelection.tag("ecom/role", "generator")


def demo_mode() -> bool:
    return os.environ.get(ENV_DEMO_DAILY, "").strip().lower() in {"1", "true", "yes", "on"}


daily_job = dg.define_asset_job(
    name="daily_job",
    selection=DAILY_SELECTION,
    executor_def=executor_from_env(),
    description="Every asset for one month: raw -> staging -> facts, then dimensions, analytics, "
    "report and dashboards. Scheduled daily for the month of the newest day.",
)


pipeline_job = dg.define_asset_job(
    name="pipeline_job",
    selection=DAILY_SELECTION,
    executor_def=executor_from_env(),
    description="Every asset but the generator over a range of months in one run (a single-run "
    "backfill): what `ecom run` and `ecom demo` run, named so in the run list and in alerts.",
)


def partition_for_day(day: dt.date) -> str | None:
    """The monthly partition holding ``day``, or ``None`` when it is outside the partitions."""
    key = partition_key_for(day)
    return key if monthly_partitions.has_partition_key(key) else None


def daily_run_request(
    day: dt.date, run_key: str | None = None, as_of: dt.date | None = None
) -> dg.RunRequest | dg.SkipReason:
    """The daily job for ``day``'s month, with the as-of date of the landed data as the run's
    ``ecom/as_of`` tag (``as_of``; default: read from the landing zone now, at evaluation)."""
    key = partition_for_day(day)
    if key is None:
        return dg.SkipReason(f"{day} is outside the monthly partitions; nothing to run")
    as_of = as_of or landing.as_of_date()
    return dg.RunRequest(
        run_key=run_key, partition_key=key, tags={DAY_TAG: day.isoformat(), **as_of_tags(as_of)}
    )


@dg.schedule(
    name="daily_schedule",
    job=daily_job,
    cron_schedule=os.environ.get(ENV_SCHEDULE_CRON) or DEFAULT_CRON,
    execution_timezone=os.environ.get(ENV_TIMEZONE) or DEFAULT_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Loads yesterday's landed files: runs daily_job for the month holding the day "
    "before the tick (skips in demo mode, where demo_daily_schedule drives the day).",
)
def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    if demo_mode():
        return dg.SkipReason(f"{ENV_DEMO_DAILY}=1: demo_daily_schedule simulates and runs each day")
    tick = context.scheduled_execution_time
    day = (tick.date() if tick else dt.date.today()) - dt.timedelta(days=1)
    return daily_run_request(day, run_key=f"daily-{day.isoformat()}")


def next_demo_day() -> dt.date:
    """The day the demo lands next: the day after the landed as-of date."""
    as_of = landing.as_of_date()
    if as_of is None:
        raise ValueError(
            f"nothing has landed in {settings.landing_dir()}: run `ecom demo` (or generate + import) first"
        )
    return as_of + dt.timedelta(days=1)


class SimulateDayConfig(dg.Config):
    day: str | None = None
    """The day to simulate (YYYY-MM-DD); empty means the day after the landed as-of date."""
    seed: int = 42
    scale: float | None = None
    """Generator scale; empty means ``ECOM_DEMO_SCALE`` (default 1, as ``ecom demo``)."""


@dg.op(
    description="Demo mode: write one new day of the synthetic export and land it, as the "
    "source system would overnight.",
    tags={"kind": "python"},
)
def simulate_new_day(context: dg.OpExecutionContext, config: SimulateDayConfig) -> str:
    day = dt.date.fromisoformat(config.day) if config.day else next_demo_day()
    out = settings.data_dir() / "export_daily" / day.isoformat()
    context.log.info(f"simulating {day}: export into {out}")
    scale = config.scale if config.scale is not None else float(os.environ.get(ENV_DEMO_SCALE) or 1.0)
    done = generate_and_land(out, day=day, scale=scale, seed=config.seed)
    context.log.info(f"generated: {done.generated}")
    context.log.info(f"landed: {done.landed}")
    context.add_output_metadata({"day": day.isoformat(), "export_dir": str(out)})
    return day.isoformat()


@dg.job(
    name="simulate_day_job",
    executor_def=dg.in_process_executor,
    description="Demo mode: land the next day's synthetic export (then the sensor runs daily_job).",
)
def simulate_day_job() -> None:
    simulate_new_day()


@dg.schedule(
    name="demo_daily_schedule",
    job=simulate_day_job,
    cron_schedule=os.environ.get(ENV_SCHEDULE_CRON) or DEFAULT_CRON,
    execution_timezone=os.environ.get(ENV_TIMEZONE) or DEFAULT_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING if demo_mode() else dg.DefaultScheduleStatus.STOPPED,
    description=f"{ENV_DEMO_DAILY}=1: simulate the next day's export; the daily job follows.",
)
def demo_daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    if not demo_mode():
        return dg.SkipReason(f"{ENV_DEMO_DAILY} is not set: the real source lands the files")
    tick = context.scheduled_execution_time
    return dg.RunRequest(run_key=f"demo-{tick.isoformat() if tick else 'manual'}")


@dg.run_status_sensor(
    name="run_daily_after_simulated_day",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[simulate_day_job],
    request_job=daily_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="When a simulated day has landed, run daily_job for that day's month.",
)
def run_daily_after_simulated_day(
    context: dg.RunStatusSensorContext,
) -> dg.RunRequest | dg.SkipReason:
    day = landing.as_of_date()
    if day is None:
        return dg.SkipReason("nothing landed")
    return daily_run_request(day, run_key=f"after-{context.dagster_run.run_id}", as_of=day)
