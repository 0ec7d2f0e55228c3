"""What changed since an analytics table was last built, so a daily run rebuilds only that.

The facts keep a build ledger (``ops.fact_builds``: one row per fact and day with a build id that
changes whenever the day's rows are rebuilt). Each analytics table remembers which build of
every fact day it last saw (``ops.analytics_seen``) and the code, as-of date and dimension marker
it was built with (``ops.analytics_builds``). ``plan`` compares the two:

- a fact day whose build id differs from the one seen, or that appeared or disappeared, is a
  *changed day*; the table's SQL recomputes what those days reach (the day itself, its month,
  the customers who ordered on it, ...);
- no previous build, changed SQL, a changed ``marker`` (a fingerprint of the dimension attributes
  the table groups by, e.g. each product's current category) or ``full_refresh`` makes a *full*
  rebuild, which is also what the first build is.

``record`` stores what was seen, in the same transaction as the table's rows, so a failed build
leaves both the rows and the state of the previous build.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from ecom_assets.lib.sql_files import SqlFiles, apply_state, run_text

SQL = SqlFiles(Path(__file__).parent / "sql")


def _changed_days(
    conn: psycopg.Connection, table: str, fact: str, builds: list[tuple[dt.date, int]]
) -> list[dt.date]:
    """Fact days whose build differs from the one this table saw (new, rebuilt or gone days)."""
    seen = dict(
        conn.execute(
            "SELECT day, build_id FROM ops.analytics_seen WHERE table_name = %s AND fact = %s", (table, fact)
        ).fetchall()
    )
    now = dict(builds)
    return sorted(d for d in now.keys() | seen.keys() if now.get(d) != seen.get(d))


# the code recorded for a table whose state was found missing (ensure_state): its next plan's reason
LOST = "missing "


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass
class Delta:
    """The plan of one analytics build."""

    table: str
    full: bool
    reason: str
    as_of: dt.date
    previous_as_of: dt.date | None
    days: dict[str, list[dt.date]] = field(default_factory=dict)
    # the fact builds this plan compared against: what ``record`` stores, so a fact day
    # committed after the plan (the transaction runs at READ COMMITTED) is not marked as seen
    # without having been read; the next build picks it up
    seen: list[tuple[str, dt.date, int]] = field(default_factory=list)

    def changed_days(self, *facts: str, reach: int = 0) -> list[dt.date]:
        """The changed days of ``facts`` (all when none named), each extended by the ``reach``
        days after it (e.g. 6 for a 7-day attribution window)."""
        out: set[dt.date] = set()
        for fact in facts or tuple(self.days):
            for d in self.days.get(fact, []):
                out.update(d + dt.timedelta(days=i) for i in range(reach + 1))
        return sorted(out)

    def changed_months(self, *facts: str, reach: int = 0) -> list[dt.date]:
        """First days of the months the changed days (extended by ``reach``) fall in."""
        return sorted({month_start(d) for d in self.changed_days(*facts, reach=reach)})

    @property
    def n_changed_days(self) -> int:
        return len(self.changed_days())

    def params(self, reach: int = 0) -> dict[str, object]:
        """The named parameters every incremental analytics SQL file receives."""
        return {
            "full": self.full,
            "days": self.changed_days(reach=reach),
            "months": self.changed_months(reach=reach),
            "as_of": self.as_of,
        }

    def metadata(self) -> dict[str, object]:
        days = self.changed_days()
        return {
            "build": "full" if self.full else "incremental",
            "build_reason": self.reason,
            "changed_fact_days": len(days),
            "changed_months": ", ".join(m.strftime("%Y-%m") for m in self.changed_months()) or "(none)",
        }


def ensure_state(conn: psycopg.Connection, owners: Mapping[str, Iterable[str]] | None = None) -> list[str]:
    """Create the layer's state tables (``sql/ops_state.sql``) unless they are current, and
    return the ones that were missing. Each build that owned one (``owners``: table -> its state
    tables) is marked so that its next plan is full, with that reason: a state table created
    empty is not the state that build left (a table built beside it may be the one that
    recreates it). The caller commits soon after (``apply_state``)."""
    lost = apply_state(conn, "analytics", SQL)
    for table, state in (owners or {}).items():
        gone = [t for t in ("ops.analytics_seen", *state) if t in lost]
        if gone:
            conn.execute(
                "UPDATE ops.analytics_builds SET code = %s WHERE table_name = %s",
                (f"{LOST}{', '.join(gone)}", table),
            )
    return lost


def ensure_functions(conn: psycopg.Connection, ddl: str) -> None:
    """(Re)create the shared SQL functions of ``ddl`` (``CREATE OR REPLACE``, idempotent), one
    builder at a time: two transactions replacing the same function at once fail ("tuple
    concurrently updated"), so the caller commits right after, before its build."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('ops.analytics_functions'))")
    conn.execute("CREATE SCHEMA IF NOT EXISTS ops")
    run_text(conn, ddl)


def plan(
    conn: psycopg.Connection,
    table: str,
    facts: Sequence[str],
    code: str,
    as_of: dt.date,
    marker: str | None = None,
    full_refresh: bool = False,
    exists: Iterable[str] = (),
) -> Delta:
    """Decide between a full and an incremental build of ``analytics.<table>``.

    ``exists``: the tables (``schema.name``) the incremental path updates in place; if one is
    missing the build is full.
    """
    ensure_state(conn)  # a no-op (lock-free check) after build_table's
    row = conn.execute(
        "SELECT code, as_of, marker FROM ops.analytics_builds WHERE table_name = %s", (table,)
    ).fetchone()
    ledger = conn.execute("SELECT to_regclass('ops.fact_builds')").fetchone()[0] is not None
    seen = []
    if ledger and facts:
        seen = [
            (r[0], r[1], r[2])
            for r in conn.execute(
                "SELECT table_name, day, build_id FROM ops.fact_builds WHERE table_name = ANY(%s)",
                (list(facts),),
            ).fetchall()
        ]
    days = {f: _changed_days(conn, table, f, [(d, b) for t, d, b in seen if t == f]) for f in facts if ledger}
    missing = [t for t in (f"analytics.{table}", *exists)
               if conn.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0] is None]  # fmt: skip
    unledgered = [
        f for f in facts
        if not ledger
        or not conn.execute("SELECT EXISTS (SELECT 1 FROM ops.fact_builds WHERE table_name = %s)", (f,)).fetchone()[0]
    ]  # fmt: skip
    reason = "incremental"
    if full_refresh:
        reason = "full_refresh requested"
    elif row is None:
        reason = "first build"
    elif unledgered:
        reason = f"no fact build ledger for {', '.join(unledgered)}"
    elif missing:
        reason = f"missing {', '.join(missing)}"
    elif row[0].startswith(LOST):  # ensure_state found its state gone and created it anew
        reason = row[0]
    elif row[0] != code:
        reason = "SQL changed"
    elif row[2] != marker:
        reason = "dimension attributes changed"
    full = reason != "incremental"
    return Delta(table, full, reason, as_of, row[1] if row else None, days, seen)


def record(
    conn: psycopg.Connection, delta: Delta, facts: Sequence[str], code: str, marker: str | None = None
) -> None:
    """Remember the fact builds, code, as-of date and marker this build saw (same transaction)."""
    conn.execute(
        "DELETE FROM ops.analytics_seen WHERE table_name = %s AND fact = ANY(%s)", (delta.table, list(facts))
    )
    if delta.seen:
        facts_, days_, builds_ = (list(x) for x in zip(*delta.seen, strict=True))
        conn.execute(
            "INSERT INTO ops.analytics_seen (table_name, fact, day, build_id) "
            "SELECT %s, f, d, b FROM unnest(%s::text[], %s::date[], %s::bigint[]) AS u(f, d, b)",
            (delta.table, facts_, days_, builds_),
        )
    conn.execute(
        "INSERT INTO ops.analytics_builds (table_name, code, as_of, marker, built_at) "
        "VALUES (%s, %s, %s, %s, now()) ON CONFLICT (table_name) DO UPDATE SET code = excluded.code, "
        "as_of = excluded.as_of, marker = excluded.marker, built_at = excluded.built_at",
        (delta.table, code, delta.as_of, marker),
    )
