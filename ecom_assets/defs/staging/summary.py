"""What happened to the data on its way in: normalizations and rejected lines by class.

Read by the business-questions report ("What happened to the data") and the run summary of
``ecom run``, so a reader learns, for instance, that 2,377 money values carried float noise and
were rounded to the cent, or that 3 orders were dated outside the accepted window, each with one
example they can look up in their own export.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from ecom_assets.defs.staging import checks
from ecom_assets.defs.staging.validate import PROBLEMS
from ecom_assets.lib import landing, values
from ecom_assets.lib.contracts import SOURCE_TABLES


@dataclass
class DataHandling:
    normalized: dict[str, dict[str, list]] = field(default_factory=dict)  # table -> class -> [n, example]
    rejected: dict[str, dict[str, list]] = field(default_factory=dict)  # table -> class -> [lines, example]
    lines_read: dict[str, int] = field(default_factory=dict)
    lines_rejected: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per class and table, for the run summary and the report."""
        out = []
        for table, classes in self.normalized.items():
            for code, (n, example) in sorted(classes.items(), key=lambda kv: -kv[1][0]):
                out.append(f"{table}: {n:,} {values.NORMALIZATIONS.get(code, code)} (e.g. {example})")
        for table, classes in self.rejected.items():
            for code, (n, example) in sorted(classes.items(), key=lambda kv: -kv[1][0]):
                out.append(f"{table}: {n:,} line(s) rejected, {PROBLEMS.get(code, code)} (e.g. {example})")
        out += [f"import warning: {w}" for w in self.warnings]
        return out

    def markdown(self) -> str:
        lines = [ln for ln in self.lines() if not ln.startswith("import warning: ")]
        normalized = [ln for ln in lines if " line(s) rejected, " not in ln]
        rejected = [ln for ln in lines if " line(s) rejected, " in ln]
        read = sum(self.lines_read.values())
        parts = [
            "## What happened to the data\n",
            f"{read:,} lines read from the exports; {sum(self.lines_rejected.values()):,} rejected "
            "(each kept with its file, line, rules and raw text in `staging.<table>_rejects`), the rest staged.",
        ]
        parts.append(
            "\n**Read as meant** (unambiguous spellings, normalized):\n\n"
            + ("\n".join(f"- {ln}" for ln in normalized) if normalized else "- nothing needed normalizing")
        )
        parts.append(
            "\n**Rejected**:\n\n"
            + ("\n".join(f"- {ln}" for ln in rejected) if rejected else "- no line rejected")
        )
        if self.warnings:
            parts.append("\n**The last import warned**:\n\n" + "\n".join(f"- {w}" for w in self.warnings))
        return "\n".join(parts)


def data_handling(conn: psycopg.Connection) -> DataHandling:
    """Every staged table's normalizations (from the load ledger) and rejects (by class)."""
    out = DataHandling(warnings=list(landing.last_import().get("warnings", [])))
    if conn.execute("SELECT to_regclass('ops.staging_loads')").fetchone()[0] is None:
        return out
    for name, read, rejected, normalized in conn.execute(
        "SELECT table_name, sum(rows_read), sum(rows_rejected), "
        "jsonb_agg(normalized ORDER BY day) FILTER (WHERE normalized IS NOT NULL) "
        "FROM ops.staging_loads GROUP BY table_name ORDER BY table_name"
    ).fetchall():
        out.lines_read[name] = int(read)
        out.lines_rejected[name] = int(rejected)
        merged: dict[str, list] = {}
        for entry in normalized or []:
            for code, (n, example) in entry.items():
                merged.setdefault(code, [0, example])[0] += n
        if merged:
            out.normalized[name] = merged
    for name in SOURCE_TABLES:
        if conn.execute("SELECT to_regclass(%s)", (f"staging.{name}_rejects",)).fetchone()[0] is None:
            continue
        rows = checks.reject_classes(conn, name, checks.Window())
        if rows:
            out.rejected[name] = {c: [int(n), ex] for c, n, ex in rows}
    return out
