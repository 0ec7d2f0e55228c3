"""Read a CSV export the way real exports are: every record kept or rejected with its line.

A record is one row of the file (quoted values may span lines). What this reader decides is
*structural*: which bytes form a record, on which physical line it starts, and whether it can be
split into the header's fields at all. Values are not interpreted here (``lib/values/`` does).

Row-level faults never fail the file (DATA_CONTRACT.md "Bad input", after DuckDB's
``store_rejects`` and PostgreSQL 17's ``COPY ... ON_ERROR``): a record with too few or too many
fields, bytes that are not UTF-8, a NUL byte, the header line repeated inside the file, a last
line without its line break (the export was cut off) or a quote still open at the end of the
file. Each becomes a ``Fault`` with its line and its bytes, escaped losslessly. File-level
faults raise ``UnreadableFile`` with one message: no header, an empty file, a header that is not
UTF-8 or names a column twice, or a file that is not UTF-8 as a whole.

This module is the reader's front door; the work is in three modules:

- ``csv_text``: the header, UTF-8 positions, record ends by quote parity, ``escape``/``unescape``
  and the shapes a read produces (``Fault``, ``Batch``, ``UnreadableFile``);
- ``csv_records``: the fast path, block by block (pyarrow's parser, faults located with numpy);
- ``csv_fallback``: the slow exact path (Python's csv module) for quoting that is not RFC 4180.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ecom_assets.lib.csv_records import BLOCK_SIZE, Reader
from ecom_assets.lib.csv_text import (
    BOM,
    CUT_OFF,
    INVALID_UTF8,
    NUL_BYTE,
    REPEATED_HEADER,
    TOO_FEW,
    TOO_MANY,
    UNCLOSED_QUOTE,
    Batch,
    Fault,
    Header,
    UnreadableFile,
    escape,
    invalid_utf8_positions,
    read_header,
    unescape,
)

__all__ = [
    "BLOCK_SIZE",
    "BOM",
    "CUT_OFF",
    "INVALID_UTF8",
    "NUL_BYTE",
    "REPEATED_HEADER",
    "TOO_FEW",
    "TOO_MANY",
    "UNCLOSED_QUOTE",
    "Batch",
    "Fault",
    "Header",
    "UnreadableFile",
    "escape",
    "header_of",
    "invalid_utf8_positions",
    "read_batches",
    "read_header",
    "unescape",
]


def read_batches(path: Path, display: str | None = None, block_size: int = BLOCK_SIZE) -> Iterator[Batch]:
    """Every record of a CSV file, as batches of text rows with their lines, and the faults.

    Raises ``UnreadableFile`` for a file-level fault (possibly after some batches: a file turns out
    not to be UTF-8 as a whole only at its end, so callers write to a temporary place first).
    """
    return Reader(Path(path), display or Path(path).name, block_size).batches()


def header_of(path: Path, display: str | None = None) -> list[str]:
    return read_header(Path(path), display).names
