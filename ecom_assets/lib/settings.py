"""Configuration from the environment (``ECOM_*``), with a ``.env`` file honoured.

Every knob a user can turn lives here, so the README's table of variables has one source.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import dotenv

ENV_DATABASE_URL = "ECOM_DATABASE_URL"
ENV_DATA_DIR = "ECOM_DATA_DIR"
ENV_EMBEDDED_DIR = "ECOM_EMBEDDED_PG_DIR"
ENV_START_DATE = "ECOM_START_DATE"
ENV_WORK_MEM = "ECOM_PG_WORK_MEM"
ENV_JIT = "ECOM_PG_JIT"
ENV_PG_SESSIONS = "ECOM_PG_SESSIONS"
ENV_UI_URL = "ECOM_UI_URL"
ENV_RUN_DEADLINE = "ECOM_RUN_DEADLINE"

DEFAULT_START_DATE = "2025-10-01"
# Memory per sort/hash node of the pipeline's queries. PostgreSQL's default (4MB) sends the
# backfill's DISTINCT ON sorts and dimension hash joins to disk (bench/BENCHMARKS.md).
DEFAULT_WORK_MEM = "256MB"
# The pipeline's statements are few, large and run once: PostgreSQL's JIT compiles each of them
# (0.5-2 s of LLVM per fact month at scale 100, because the row estimates of a DISTINCT ON over a
# month of staging are far off) and gains little back on a single pass (backend CPU of a quarter of
# fact_clickstream at scale 100, two runs each: 18.2/19.2 s without, 21.1/20.3 s with). Off unless asked.
DEFAULT_JIT = "off"
# Where people open the Dagster UI: links in alerts and in the CLI's output point there.
DEFAULT_UI_URL = "http://127.0.0.1:3000"
# How long after the daily schedule's tick the daily run must have succeeded (a run takes
# minutes; four hours leaves room for a retry and a slow day before anyone is paged).
DEFAULT_RUN_DEADLINE = "4h"


def load_dotenv(path: Path | None = None) -> None:
    """Read ``.env`` (python-dotenv: quotes, ``export``, ``${VAR}`` expansion, multi-line
    values) into the environment; real environment variables win."""
    path = path or Path.cwd() / ".env"
    if path.is_file():
        dotenv.load_dotenv(path, override=False)


def data_dir() -> Path:
    """The landing zone and outputs (``ECOM_DATA_DIR``, default ``./data``)."""
    return Path(os.environ.get(ENV_DATA_DIR) or "data").resolve()


def landing_dir() -> Path:
    return data_dir() / "landing"


def output_dir() -> Path:
    return data_dir() / "output"


def cache_dir() -> Path:
    """Files derived only from installed package versions (the dashboards' script bundle), kept
    per user so a new data dir does not rebuild them: ``$XDG_CACHE_HOME/ecom``, else ``~/.cache/ecom``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecom"


def embedded_pg_dir() -> Path:
    """Where the embedded PostgreSQL keeps its cluster (inside the project, never under /root)."""
    return Path(os.environ.get(ENV_EMBEDDED_DIR) or data_dir() / "postgres").resolve()


def work_mem() -> str | None:
    """``work_mem`` for the pipeline's sessions (``ECOM_PG_WORK_MEM``; empty: the server's own)."""
    value = os.environ.get(ENV_WORK_MEM, DEFAULT_WORK_MEM).strip()
    return value or None


def jit() -> str | None:
    """``jit`` for the pipeline's sessions (``ECOM_PG_JIT``: off by default, ``on``; empty: the server's own)."""
    value = os.environ.get(ENV_JIT, DEFAULT_JIT).strip().lower()
    if value and value not in ("on", "off"):
        raise ValueError(f"{ENV_JIT}={value!r}: expected on, off or empty (the server's setting)")
    return value or None


def pg_sessions() -> int:
    """How many PostgreSQL sessions a fact build of several months uses side by side
    (``ECOM_PG_SESSIONS``; default the machine's cores, at most 4; 1 builds month after month).

    An INSERT ... SELECT runs on one core of the server whatever its size (PostgreSQL plans no
    parallel workers for it), so a backfill's fact builds left every other core idle."""
    raw = os.environ.get(ENV_PG_SESSIONS, "").strip()
    if not raw:
        return max(1, min(4, os.cpu_count() or 1))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{ENV_PG_SESSIONS}={raw!r}: expected a whole number >= 1")
    return int(raw)


def ui_url() -> str:
    """The Dagster UI's address as its users reach it (``ECOM_UI_URL``), without a trailing slash."""
    return (os.environ.get(ENV_UI_URL) or DEFAULT_UI_URL).rstrip("/")


def run_deadline() -> dt.timedelta:
    """``ECOM_RUN_DEADLINE`` (``4h``, ``90m``, ``1h30m``; a bare number is hours)."""
    raw = (os.environ.get(ENV_RUN_DEADLINE) or DEFAULT_RUN_DEADLINE).strip().lower()
    return parse_duration(raw, ENV_RUN_DEADLINE)


def parse_duration(raw: str, name: str) -> dt.timedelta:
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return dt.timedelta(hours=float(raw))
    m = re.fullmatch(r"(?:(\d+)h)?\s*(?:(\d+)m(?:in)?)?", raw)
    if not raw or m is None or not any(m.groups()):
        raise ValueError(f"{name}={raw!r}: expected a duration such as 4h, 90m or 1h30m")
    return dt.timedelta(hours=int(m.group(1) or 0), minutes=int(m.group(2) or 0))


def configured_database_url() -> str | None:
    """The warehouse URL from ``ECOM_DATABASE_URL``; ``None`` means use the embedded server."""
    return os.environ.get(ENV_DATABASE_URL) or None


load_dotenv()
