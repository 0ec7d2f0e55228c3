"""Generate a synthetic export and land it: the one path from the generator to the landing zone.

Called directly by the three places that need it: ``ecom demo`` (the whole default history),
the ``synthetic_export`` asset (the same, from the UI) and the demo mode's ``simulate_new_day``
op (one day: the day after the landed as-of date). ``ecom generate`` only writes an export, and
``ecom import`` only lands one; this is the two in a row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ecom_assets.defs.raw import importer
from ecom_assets.lib import generator, messy
from ecom_assets.lib.progress import Progress


@dataclass
class Landed:
    export: Path
    generated: generator.GenerateReport
    landed: importer.ImportReport
    messy: messy.MessyReport | None = None


def generate_and_land(
    out: Path,
    *,
    scale: float = 1.0,
    seed: int = 42,
    day: dt.date | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    messy_rate: float | None = None,
    progress: Progress | None = None,
) -> Landed:
    """Write an export into ``out`` and land it.

    ``day``: only that day's events (``generator.generate_day``), landed with ``day`` as the
    as-of date. Otherwise the window ``start .. end`` (the generator's defaults: the shop's
    opening to the end of last month), landed with the as-of date the importer reads from it.
    ``messy_rate``: make the export messy first (``lib.messy``: real exports' quirks), with ``seed``.
    """
    if day is not None:
        if start is not None or end is not None:
            raise ValueError("generate_and_land: give either day or start/end, not both")
        generated = generator.generate_day(out, day, scale=scale, seed=seed)
    else:
        generated = generator.generate(
            out, scale=scale, seed=seed, start=start, end=end, progress=progress or False
        )
    made_messy = messy.make_messy(out, seed=seed, rate=messy_rate) if messy_rate else None
    landed = importer.import_export(out, as_of=day, progress=progress)
    return Landed(Path(out), generated, landed, made_messy)
