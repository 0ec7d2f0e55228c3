"""The staging asset checks, evaluated inside the load's transaction and returned with it.

Why inside the materialization rather than separate ``@asset_check`` functions: the checks
must see exactly the rows this load wrote (same transaction), and a separate partitioned
check is preview in Dagster 1.13. The staging asset declares these specs. The contract check,
which re-reads and re-validates the window, is in ``contract_check.py``.
"""

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psycopg
from psycopg import sql

from ecom_assets.lib.contracts import DAY_COLUMN, SourceTable

SQL_DIR = Path(__file__).parent / "sql"

CONTRACT = "contract"
PRIMARY_KEY = "primary_key_unique"
ROWS_ACCOUNTED = "staged_plus_rejected_equals_read"
REJECTS = "no_rejects"


def check_specs(key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            CONTRACT,
            asset=key,
            description="The staged rows of the window re-validated with the pandera contract (failure cases in metadata).",
        ),
        dg.AssetCheckSpec(
            PRIMARY_KEY,
            asset=key,
            blocking=True,
            description="The key (dimension sources: key + updated_at) is unique across the whole staging table.",
        ),
        dg.AssetCheckSpec(
            ROWS_ACCOUNTED,
            asset=key,
            blocking=True,
            description="Every row read is staged or rejected: the tables match the load ledger, nothing lost.",
        ),
        dg.AssetCheckSpec(
            REJECTS,
            asset=key,
            description="Warns when the window has rejected rows, so a human looks at the top reasons.",
        ),
    ]


@dataclass(frozen=True)
class Window:
    """The days a staging asset run covers: ``[start, end)``, or everything for dimension sources."""

    start: object = None
    end: object = None
    # days of the window left out: the days this run loaded, whose rows the same contract
    # validated before the COPY, in this transaction
    exclude: tuple = ()

    @property
    def is_all(self) -> bool:
        return self.start is None

    def where(self, column: str = DAY_COLUMN) -> sql.Composable:
        if self.is_all:
            return sql.SQL("true")
        cond = sql.SQL("{c} >= %(start)s AND {c} < %(end)s").format(c=sql.Identifier(column))
        if self.exclude:
            cond = sql.SQL("{} AND NOT ({} = ANY(%(exclude)s))").format(cond, sql.Identifier(column))
        return cond

    @property
    def params(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "exclude": list(self.exclude)}

    def describe(self) -> str:
        if self.is_all:
            return "the whole table"
        text = f"{self.start}..{self.end} (end exclusive)"
        if self.exclude:
            text += f", less the {len(self.exclude)} day(s) this run loaded (validated before the COPY)"
        return text


# The key check over the whole table costs the history on every run (23 s for clickstream at
# scale 100). For an event table it looks only at what the run loaded - the keys of the loaded
# days, each counted over the whole table - because the other keys were checked when they were
# loaded. The whole table comes back when the run loaded more than a month (a backfill: one
# scan is cheaper than a lookup per key), or when the check's last evaluation failed
# (ops.staging_checks), so a failure stays visible until it is really gone. The contract check
# keeps re-validating the run's window (a month at most), so a row damaged after loading is
# still caught.
INCREMENTAL_MAX_DAYS = 31
CHECK_STATE_DDL = """
CREATE TABLE IF NOT EXISTS ops.staging_checks (
    table_name text        NOT NULL,
    check_name text        NOT NULL,
    passed     boolean     NOT NULL,
    checked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, check_name)
)
"""


def last_outcomes(conn: psycopg.Connection, src: SourceTable) -> dict[str, bool]:
    """Whether each of the table's checks passed at its last evaluation (none yet: absent)."""
    conn.execute(CHECK_STATE_DDL)
    rows = conn.execute(
        "SELECT check_name, passed FROM ops.staging_checks WHERE table_name = %s", (src.name,)
    ).fetchall()
    return dict(rows)


def incremental_days(
    src: SourceTable, check_name: str, loaded_days: list | None, last: dict[str, bool]
) -> tuple | None:
    """The loaded days to check, or ``None`` for the check's whole scope (``last``: ``last_outcomes``)."""
    if not src.is_event or loaded_days is None or len(loaded_days) > INCREMENTAL_MAX_DAYS:
        return None
    return tuple(sorted(loaded_days)) if last.get(check_name) else None


def unchanged_dimension(src: SourceTable, loaded_days: list, last: dict[str, bool]) -> bool:
    """A dimension source that loaded nothing this run and whose contract and key checks passed
    last time: its staged rows are those rows, so re-reading them (1.7 s for customers at scale
    100) would only repeat that answer."""
    if src.is_event or loaded_days:
        return False
    return bool(last.get(CONTRACT) and last.get(PRIMARY_KEY))


def unchanged_result(check_name: str) -> dg.AssetCheckResult:
    scope = "nothing loaded since the last evaluation, which passed: the staged rows were not re-read"
    return dg.AssetCheckResult(
        check_name=check_name, passed=True, description=scope, metadata={"scope": scope, "rows_validated": 0}
    )


def record_results(conn: psycopg.Connection, src: SourceTable, results: list[dg.AssetCheckResult]) -> None:
    """Remember each check's outcome (same transaction as the load it checked)."""
    conn.execute(CHECK_STATE_DDL)
    for r in results:
        conn.execute(
            "INSERT INTO ops.staging_checks (table_name, check_name, passed) VALUES (%s, %s, %s) "
            "ON CONFLICT (table_name, check_name) DO UPDATE SET passed = excluded.passed, checked_at = now()",
            (src.name, r.check_name, r.passed),
        )


def load_sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def query(
    conn: psycopg.Connection, name: str, params: dict[str, object], **parts: sql.Composable
) -> list[tuple]:
    stmt = sql.SQL(load_sql(name).strip().rstrip(";")).format(**parts)
    return conn.execute(stmt, params).fetchall()


def markdown(headers: list[str], rows: list[tuple], limit: int = 60) -> str:
    """A small markdown table (values cut to ``limit`` characters; pipes escaped)."""

    def cell(v: object) -> str:
        text = "" if v is None else str(v)
        text = text.replace("|", "\\|").replace("\n", " ")
        return text if len(text) <= limit else text[: limit - 1] + "…"

    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


def table_names(src: SourceTable) -> dict[str, sql.Composable]:
    return {
        "table": sql.Identifier("staging", src.name),
        "rejects": sql.Identifier("staging", f"{src.name}_rejects"),
    }


def primary_key_check(
    conn: psycopg.Connection, src: SourceTable, days: tuple | None = None
) -> dg.AssetCheckResult:
    """Duplicated keys in the whole staging table; with ``days`` (event tables), only the keys
    that occur on those days, each counted over the whole table (key index lookups)."""
    key_cols = [src.key] if src.is_event else [src.key, "updated_at"]
    if days is None:
        rows = query(
            conn,
            "pk_duplicates.sql",
            {},
            key_cols=sql.SQL(", ").join(sql.Identifier(c) for c in key_cols),
            **table_names(src),
        )
        scope = "the whole table"
    else:
        rows = query(
            conn,
            "pk_duplicates_days.sql",
            {"days": list(days)},
            key=sql.Identifier(src.key),
            **table_names(src),
        )
        scope = f"keys of the {len(days)} day(s) this run loaded, against the whole table"
    dupes = rows[0][2] if rows else 0
    return dg.AssetCheckResult(
        check_name=PRIMARY_KEY,
        passed=dupes == 0,
        description=f"{dupes:,} duplicated {' + '.join(key_cols)} value(s) in staging.{src.name} ({scope})",
        metadata={
            "duplicated_keys": dupes,
            "scope": scope,
            "examples": dg.MetadataValue.md(markdown(["key", "rows"], [(k, n) for k, n, _ in rows])),
        },
    )


def rows_accounted_check(conn: psycopg.Connection, src: SourceTable, window: Window) -> dg.AssetCheckResult:
    staged, rejected, read, l_staged, l_rejected, days = query(
        conn,
        "window_counts.sql",
        {**window.params, "table_name": src.name},
        window=window.where(),
        ledger_window=window.where("day"),
        **table_names(src),
    )[0]
    collapsed = read - l_staged - l_rejected
    ok = (
        staged == l_staged and rejected == l_rejected and (collapsed == 0 if src.is_event else collapsed >= 0)
    )
    what = (
        "staged + rejected = read"
        if src.is_event
        else "staged + rejected + collapsed duplicate versions = read"
    )
    return dg.AssetCheckResult(
        check_name=ROWS_ACCOUNTED,
        passed=bool(ok),
        description=f"{what}: {staged:,} + {rejected:,}"
        + ("" if src.is_event else f" + {collapsed:,}")
        + f" vs {read:,} read (ledger: {l_staged:,} staged, {l_rejected:,} rejected over {days} file(s))",
        metadata={
            "rows_read": int(read),
            "rows_staged": int(staged),
            "rows_rejected": int(rejected),
            "rows_collapsed": int(collapsed),
            "ledger_rows_staged": int(l_staged),
            "ledger_rows_rejected": int(l_rejected),
        },
    )


def rejects_check(conn: psycopg.Connection, src: SourceTable, window: Window) -> dg.AssetCheckResult:
    rows = query(conn, "reject_reasons.sql", window.params, window=window.where(), **table_names(src))
    affected = conn.execute(
        sql.SQL("SELECT count(*) FROM {rejects} WHERE {w}").format(
            rejects=table_names(src)["rejects"], w=window.where()
        ),
        window.params,
    ).fetchone()[0]
    top = rows[0][0] if rows else ""
    return dg.AssetCheckResult(
        check_name=REJECTS,
        passed=affected == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{affected:,} rejected line(s) in staging.{src.name}_rejects"
        + (f"; top reason: {top}" if top else ""),
        metadata={
            "rejected_rows": int(affected),
            "top_reasons": dg.MetadataValue.md(markdown(["rule", "lines"], [(r, n) for r, _, n in rows])),
        },
    )


def normalized_in_window(conn: psycopg.Connection, src: SourceTable, window: Window) -> dict[str, list]:
    """Normalization class -> [cells, first example] over the window's ledger rows."""
    rows = conn.execute(
        sql.SQL(
            "SELECT normalized FROM ops.staging_loads WHERE table_name = %(table_name)s "
            "AND normalized IS NOT NULL AND {} ORDER BY day"
        ).format(window.where("day")),
        {**window.params, "table_name": src.name},
    ).fetchall()
    out: dict[str, list] = {}
    for (entry,) in rows:
        for code, (count, example) in entry.items():
            if code in out:
                out[code][0] += count
            else:
                out[code] = [count, example]
    return out


def reject_classes(conn: psycopg.Connection, table: str, window: Window) -> list[tuple[str, int, str]]:
    """(class, lines, first example) of the window's rejected lines, most lines first."""
    return query(
        conn,
        "reject_classes.sql",
        window.params,
        rejects=sql.Identifier("staging", f"{table}_rejects"),
        window=window.where(),
    )
