"""The slow, exact path of the CSV reader, for files whose quoting is not RFC 4180.

A quote inside an unquoted value (``5" screen``) changes the quote parity that the fast path
(``csv_records``) splits records by. From the block where that happens to the end of the file,
records are read by Python's csv module, which splits such values the way pyarrow does: correct,
and slower. The faults are the same classes as on the fast path, each with its line and bytes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from ecom_assets.lib.csv_text import (
    CUT_OFF,
    INVALID_UTF8,
    NUL_BYTE,
    REPEATED_HEADER,
    TOO_FEW,
    TOO_MANY,
    Batch,
    Fault,
    column_at,
    escape,
    invalid_utf8_positions,
    is_utf8,
    record_text,
)

BATCH_RECORDS = 100_000


def read_rest(
    path: Path, offset: int, first_line: int, names: list[str], header_lines: set[bytes]
) -> Iterator[Batch]:
    """Records from ``offset`` (line ``first_line``) to the end by Python's csv module, in batches."""
    with path.open("rb") as f:
        f.seek(offset)
        pending: list[bytes] = []  # raw lines of the record being read
        state = {"line": first_line, "cut": False}

        def feed() -> Iterator[str]:
            while raw := f.readline():
                if not raw.endswith(b"\n"):
                    state["cut"] = True
                pending.append(raw)
                yield raw.decode("utf-8", errors="surrogateescape")

        columns: list[list[str]] = [[] for _ in names]
        lines: list[int] = []
        faults: list[Fault] = []
        for record in csv.reader(feed()):
            raw = b"".join(pending)
            line = state["line"]
            state["line"] += len(pending)
            pending.clear()
            text = record_text(raw[:-1] if raw.endswith(b"\n") else raw)
            if not text.strip():
                continue
            problem = _fault(record, text, state["cut"], names, header_lines)
            if problem:
                faults.append(Fault(line, problem[0], problem[1], escape(text), problem[2]))
            else:
                lines.append(line)
                for i, v in enumerate(record):
                    columns[i].append(v)
            if len(lines) + len(faults) >= BATCH_RECORDS:
                yield _batch(names, columns, lines, faults, f.tell())
                columns, lines, faults = [[] for _ in names], [], []
        yield _batch(names, columns, lines, faults, f.tell())


def _batch(
    names: list[str], columns: list[list[str]], lines: list[int], faults: list[Fault], offset: int
) -> Batch:
    table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)})
    return Batch(table, np.asarray(lines, dtype=np.int64), faults, offset)


def _fault(
    record: list[str], text: bytes, cut: bool, names: list[str], header_lines: set[bytes]
) -> tuple[str, str, str | None] | None:
    width = len(names)
    if cut:
        return CUT_OFF, "the last line has no line break: the export looks cut off mid-write", None
    if not is_utf8(text):
        pos = invalid_utf8_positions(text)[0]
        return (
            INVALID_UTF8,
            f"bytes that are not UTF-8 (0x{text[pos]:02x})",
            column_at(names, text, 0, pos),
        )
    if b"\x00" in text:
        return (
            NUL_BYTE,
            "a NUL byte (0x00) inside the line",
            column_at(names, text, 0, text.index(b"\x00")),
        )
    if text in header_lines:
        return REPEATED_HEADER, "the header line again inside the file (two exports concatenated?)", None
    if len(record) != width:
        few = len(record) < width
        return (
            TOO_FEW if few else TOO_MANY,
            f"{len(record)} fields where the header has {width} "
            + ("(a line cut short?)" if few else "(an unquoted comma in a value?)"),
            None,
        )
    return None
