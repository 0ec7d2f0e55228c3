"""What ``ecom import`` landed, per table: printed for the user, kept for the run summary.

``ImportReport`` is what ``importer.import_export`` returns: the as-of date and why, the accepted
window, per table the records read, days landed, read faults by class (with an example), rows
landed on the as-of day (undated, or dated outside the window) and days a cut-off export did not
replace, and the warnings. ``str()`` is the text ``ecom import`` and ``ecom demo`` print;
``summary()`` is what ``landing/_last_import.json`` keeps for the run summary and the report.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ecom_assets.lib import window as window_mod


@dataclass
class TableReport:
    file: str
    rows: int = 0  # records read: rows landed plus lines that could not be read as rows
    days: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    faults: Counter = field(default_factory=Counter)  # read faults by class
    fault_example: dict[str, str] = field(default_factory=dict)
    undated: int = 0  # rows without a usable day (landed on the as-of day)
    outside: int = 0  # rows dated outside the accepted window (landed on the as-of day)
    kept_days: list[dt.date] = field(default_factory=list)  # landed files a cut-off export did not replace


@dataclass
class ImportReport:
    """What an import landed: printed by ``ecom import`` and ``ecom demo``."""

    source: Path
    landing_root: Path
    as_of: dt.date
    as_of_reason: str
    window: window_mod.Window
    tables: dict[str, TableReport] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> dict[str, int]:
        return {t: r.rows for t, r in self.tables.items()}

    @property
    def days(self) -> dict[str, int]:
        return {t: r.days for t, r in self.tables.items()}

    def __str__(self) -> str:
        lines = [
            f"imported {self.source} into {self.landing_root}",
            f"  as-of date {self.as_of.isoformat()}: {self.as_of_reason}",
            f"  accepted window for event dates: {self.window.start.isoformat()}..{self.window.end.isoformat()}"
            f" ({self.window.source})",
        ]
        for name, t in self.tables.items():
            lines.append(f"  {t.file:<26} {t.rows:>11,} rows  {t.days:>5,} day(s)")
            aside = []
            if t.outside:
                whose = "of an order " if name == "order_items" else ""
                aside.append(f"{t.outside:,} {whose}dated outside the window")
            if t.undated:
                aside.append(f"{t.undated:,} without a usable day")
            if aside:
                lines.append(
                    f"  {'':<26} {' and '.join(aside)}: landed on the as-of day for staging to reject"
                )
            for code, n in sorted(t.faults.items()):
                lines.append(
                    f"  {'':<26} {n:,} line(s) not readable as rows ({code}), e.g. {t.fault_example[code]}"
                )
        if self.warnings:
            lines.append("warnings:")
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def summary(self) -> dict:
        """What ``landing/_last_import.json`` keeps for the run summary and the report."""
        return {
            "source": str(self.source),
            "as_of": self.as_of.isoformat(),
            "as_of_reason": self.as_of_reason,
            "window": [self.window.start.isoformat(), self.window.end.isoformat(), self.window.source],
            "warnings": self.warnings,
            "tables": {
                name: {
                    "file": t.file,
                    "rows": t.rows,
                    "days": t.days,
                    "first_day": t.first_day,
                    "last_day": t.last_day,
                    "faults": dict(t.faults),
                    "fault_example": t.fault_example,
                    "outside_window": t.outside,
                    "undated": t.undated,
                    "kept_days": t.kept_days,
                }
                for name, t in self.tables.items()
            },
        }
