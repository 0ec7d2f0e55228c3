"""Staging sends PostgreSQL binary COPY rows built from the values it parsed: they must be the
rows the canonical text (what a CSV COPY would send, and what the rejects and previews show)
encodes to, byte for byte, on an export with every quirk of real ones; and columns parsed side by
side validate to the same rows and rejects as one after the other."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ecom_assets.defs.raw import importer
from ecom_assets.defs.staging import read
from ecom_assets.defs.staging.ddl import staging_columns
from ecom_assets.defs.staging.validate import validate
from ecom_assets.lib import generator, landing, messy, pg_binary
from ecom_assets.lib.contracts import SOURCE_TABLES


def test_typed_values_encode_to_the_rows_of_their_canonical_text(tmp_path: Path) -> None:
    export = tmp_path / "export"
    generator.generate(export, scale=0.1, seed=7, progress=False)
    messy.make_messy(export, seed=7, rate=0.02)
    report = importer.import_export(export, landing_root=tmp_path / "landing")
    normalized = set()
    for name, src in SOURCE_TABLES.items():
        rows = pg_binary.BinaryRows(dict(staging_columns(src)))
        files = landing.landed_files(name, tmp_path / "landing")
        if src.is_event:
            batches = [(raw, group) for raw, group, _ in read.chunks(src, files)]
        else:
            batches = [
                (read.read_landed(src, d), np.zeros(d.rows or 0, dtype=np.int64)) for d in files.values()
            ]
        for raw, group in batches:
            v = validate(src, raw, group, report.window if src.is_event else None)
            assert v.valid.num_rows > 0
            assert v.typed.num_rows == v.valid.num_rows
            from_text = rows.encode(v.valid)
            assert rows.encode(v.valid, v.typed).equals(from_text), name
            normalized |= {code for code, _, _ in v.normalized}
            side_by_side = validate(src, raw, group, report.window if src.is_event else None, threads=2)
            assert side_by_side.valid.equals(v.valid) and side_by_side.rejects.equals(v.rejects), name
            # every fixed-width contract column really came from the typed table
            assert set(rows.dtypes) - {"_source_line", "_day"} <= set(v.typed.column_names)
    # the quirks that change a value's spelling were there to encode
    assert {"float_noise", "iso_timestamp", "null_marker", "whitespace"} <= normalized
