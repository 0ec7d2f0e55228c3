"""Configuration from the environment (``ECOM_*``), with a ``.env`` file honoured.

Every knob a user can turn lives here, so the README's table of variables has one source.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATABASE_URL = "ECOM_DATABASE_URL"
ENV_DATA_DIR = "ECOM_DATA_DIR"
ENV_EMBEDDED_DIR = "ECOM_EMBEDDED_PG_DIR"
ENV_START_DATE = "ECOM_START_DATE"
ENV_WORK_MEM = "ECOM_PG_WORK_MEM"

DEFAULT_START_DATE = "2025-10-01"
# Memory per sort/hash node of the pipeline's queries. PostgreSQL's default (4MB) sends the
# backfill's DISTINCT ON sorts and dimension hash joins to disk (bench/BENCHMARKS.md).
DEFAULT_WORK_MEM = "256MB"


def load_dotenv(path: Path | None = None) -> None:
    """Read ``KEY=VALUE`` lines of ``.env`` into the environment; real env vars win."""
    path = path or Path.cwd() / ".env"
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip().strip('"').strip("'")
        os.environ.setdefault(key, value)


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


def configured_database_url() -> str | None:
    """The warehouse URL from ``ECOM_DATABASE_URL``; ``None`` means use the embedded server."""
    return os.environ.get(ENV_DATABASE_URL) or None


load_dotenv()
