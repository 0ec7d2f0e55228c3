"""Run-wide values: passed with the run, read through the run's context, never from files at import.

The as-of date. ``ecom run`` / ``ecom demo`` (runner.run_graph), the daily schedule and the demo
sensor put the as-of date of the data they run on in the run's tag ``ecom/as_of``; the staging
assets read it from there (``run_as_of``) for the accepted window and record it in
``ops.run_context``, the as-of date the loaded data was built with. The later layers read it
from there once per build (``loaded_as_of``) and pass it to their SQL as a parameter
(``%(as_of)s``): a warehouse or analytics build started alone must compute against the as-of
date of the data it reads, not of whatever landed since. Only views, which cannot take a
parameter (``bi.as_of``, the shared answers, the dashboards' queries), read ``ops.run_context``
themselves.

A run started by hand in the UI has no tag: its staging assets fall back to the landed data's
as-of date (``landing/_as_of``, written by the importer), which is what the tag would have held.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import psycopg

from ecom_assets.lib import landing

AS_OF_TAG = "ecom/as_of"


def as_of_tags(as_of: dt.date | None) -> dict[str, str]:
    """The run tags that pass ``as_of`` (none when nothing has landed)."""
    return {AS_OF_TAG: as_of.isoformat()} if as_of is not None else {}


def run_as_of(context: dg.AssetExecutionContext | dg.OpExecutionContext) -> dt.date | None:
    """The run's as-of date: its ``ecom/as_of`` tag, else the landed data's (``None``: nothing landed)."""
    tag = context.run.tags.get(AS_OF_TAG)
    return dt.date.fromisoformat(tag) if tag else landing.as_of_date()


def loaded_as_of(conn: psycopg.Connection) -> dt.date | None:
    """The as-of date the loaded data was staged with (``ops.run_context``; ``None`` before any load)."""
    if conn.execute("SELECT to_regclass('ops.run_context')").fetchone()[0] is None:
        return None
    row = conn.execute("SELECT as_of FROM ops.run_context").fetchone()
    return row[0] if row else None
