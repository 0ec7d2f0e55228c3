"""The bytes of a CSV export as text: the header, UTF-8, record ends, and faulted lines kept whole.

What the reader (``csv_records``, ``csv_fallback``) shares: the fault classes and the shapes a
read produces (``Fault``, ``Batch``, ``Header``, ``UnreadableFile``), the header row, where the
bytes are not UTF-8, where a record ends (quote parity) and whether the quoting is RFC 4180, and
``escape``/``unescape``, which keep a faulted line's bytes losslessly as text.
"""

from __future__ import annotations

import codecs
import csv
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

BOM = b"\xef\xbb\xbf"

CUT_OFF = "cut_off"
UNCLOSED_QUOTE = "unclosed_quote"
TOO_FEW = "too_few_fields"
TOO_MANY = "too_many_fields"
INVALID_UTF8 = "invalid_utf8"
NUL_BYTE = "nul_byte"
REPEATED_HEADER = "repeated_header"


class UnreadableFile(ValueError):
    """A file that cannot be read at all; ``str()`` is the one clear message for the user."""


@dataclass(frozen=True)
class Fault:
    """One record that cannot be split into the header's fields (or carries bytes that cannot be text)."""

    line: int
    code: str
    rule: str
    raw: str  # the record's bytes, escaped losslessly (see ``escape``)
    column: str | None = None


@dataclass
class Batch:
    """Records of one block: the good ones as text columns (header names) and the faults."""

    rows: pa.Table
    lines: np.ndarray  # first physical line of each row (the header is line 1)
    faults: list[Fault] = field(default_factory=list)
    end_offset: int = 0  # bytes of the file read so far (for progress)


@dataclass(frozen=True)
class Header:
    names: list[str]
    line: bytes  # the header line as written, without BOM and line end
    size: int  # bytes up to and including its line end


def escape(raw: bytes) -> str:
    """Bytes as text without losing any: backslashes doubled, undecodable bytes and NUL as ``\\xNN``."""
    text = raw.replace(b"\\", b"\\\\").replace(b"\x00", b"\\x00")
    return text.decode("utf-8", errors="backslashreplace")


def unescape(text: str) -> bytes:
    """The inverse of ``escape``: the record's original bytes."""
    out, i, data = bytearray(), 0, text.encode("utf-8")
    while i < len(data):
        if data[i : i + 1] == b"\\" and data[i + 1 : i + 2] == b"\\":
            out += b"\\"
            i += 2
        elif data[i : i + 2] == b"\\x":
            out.append(int(data[i + 2 : i + 4], 16))
            i += 4
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def record_text(raw: bytes) -> bytes:
    """A record's bytes without the ``\\r`` of a CRLF line end."""
    return raw[:-1] if raw.endswith(b"\r") else raw


def empty_table(names: list[str]) -> pa.Table:
    return pa.table({n: pa.array([], pa.string()) for n in names})


def column_at(names: list[str], block: bytes, start: int, pos: int) -> str | None:
    """The header name of the field that byte ``pos`` of the record starting at ``start`` is in."""
    prefix = block[start:pos]
    index = len(next(csv.reader([prefix.decode("utf-8", "replace")]), [""])) - 1 if prefix else 0
    return names[index] if 0 <= index < len(names) else None


# ---------------------------------------------------------------- the header


def read_header(path: Path, display: str | None = None) -> Header:
    """The header row (BOM stripped) with a clear error when there is none."""
    display = display or path.name
    with path.open("rb") as f:
        head = f.read(1 << 20)
    if not head.strip():
        raise UnreadableFile(f"{display}: empty file (expected a header row naming the columns)")
    bom = len(BOM) if head.startswith(BOM) else 0
    end = head.find(b"\n")
    first = head[bom : end if end >= 0 else len(head)]
    size = end + 1 if end >= 0 else len(head)
    first = record_text(first)
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{display}: line 1 (the header): not UTF-8 text (byte 0x{first[exc.start]:02x}); "
            "save the export as UTF-8"
        ) from None
    if "\x00" in text:
        raise UnreadableFile(f"{display}: line 1 (the header): NUL bytes: not a CSV text file (UTF-16?)")
    names = [n.strip() for n in next(csv.reader([text]), [])]
    if not any(names):
        raise UnreadableFile(f"{display}: line 1: empty header row (expected the column names)")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UnreadableFile(f"{display}: line 1 (the header): column(s) named twice: {', '.join(dupes)}")
    return Header(names, first, size)


# ---------------------------------------------------------------- UTF-8 positions


_bad_bytes = threading.local()


def _collect(exc: UnicodeError) -> tuple[str, int]:
    _bad_bytes.positions.append(exc.start)  # type: ignore[attr-defined]
    return "", exc.end  # type: ignore[attr-defined]


codecs.register_error("ecom_collect_positions", _collect)


def invalid_utf8_positions(data: bytes) -> list[int]:
    """Byte offsets of every undecodable sequence, in one decoding pass."""
    _bad_bytes.positions = []
    data.decode("utf-8", errors="ecom_collect_positions")
    return _bad_bytes.positions


def is_utf8(data: bytes) -> bool:
    if data.isascii():  # a tenth of a decode's time, and what most exports are
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ---------------------------------------------------------------- where records end


_FIELD_EDGE = np.array([44, 10, 13, 34], dtype=np.uint8)  # , \n \r "


def count_byte(data: bytes, byte: int, end: int | None = None) -> int:
    """How many times ``byte`` occurs in ``data[:end]`` (numpy: a third of ``bytes.count``'s time)."""
    arr = np.frombuffer(data, dtype=np.uint8, count=len(data) if end is None else end)
    return int(np.count_nonzero(arr == byte))


def rfc4180_quotes(arr: np.ndarray, quotes: np.ndarray) -> np.ndarray | None:
    """The quotes that open or close quoted values, when quote parity then splits records right.

    In a block that starts at a record start, the quote at index j opens a quoted value when j is
    even (it must follow a comma or line start, or close an escaped ``""`` pair) and closes one
    when j is odd (a comma, line end or another quote follows). A quote inside an unquoted value
    (``5" screen``, or ``\xe9"Kelly"`` after a stray byte) opens nothing: pyarrow and Python's csv
    module read it as a character, so it is left out and the quotes after it change parity. None
    for a closing quote followed by something else or a quote after a bare ``\r`` (such a block is
    read by Python's csv module instead).
    """
    if not len(quotes):
        return quotes
    can_open = (quotes == 0) | np.isin(arr[np.maximum(quotes - 1, 0)], _FIELD_EDGE[[0, 1, 3]])
    can_close = (quotes == len(arr) - 1) | np.isin(arr[np.minimum(quotes + 1, len(arr) - 1)], _FIELD_EDGE)
    even = np.arange(len(quotes)) % 2 == 0
    misplaced = (  # by the parity of each quote after an even, or an odd number of quotes left out
        np.flatnonzero(np.where(even, ~can_open, ~can_close)),
        np.flatnonzero(np.where(even, ~can_close, ~can_open)),
    )
    literal: list[int] = []
    while True:
        found = misplaced[len(literal) % 2]
        k = int(np.searchsorted(found, literal[-1] + 1 if literal else 0))
        if k == len(found):
            return np.delete(quotes, literal) if literal else quotes
        j = int(found[k])
        opening = (j - len(literal)) % 2 == 0
        if not opening or arr[quotes[j] - 1] == 13:
            return None
        literal.append(j)
        while j + 1 < len(quotes) and quotes[j + 1] == quotes[j] + 1:  # ``5"" x``: a character too
            j += 1
            literal.append(j)


def last_record_end(buf: bytes) -> int:
    """Offset just past the last newline of ``buf`` that lies outside quotes (0 when there is none).

    ``buf`` starts at a record start, so a newline ends a record when the quotes before it are
    balanced; counting them is C-speed (``count_byte``), stepping back line by line when not.
    """
    end = buf.rfind(b"\n")
    if end < 0:
        return 0
    quotes = count_byte(buf, 34, end)
    while quotes % 2:
        prev = buf.rfind(b"\n", 0, end)
        if prev < 0:
            return 0
        quotes -= buf.count(b'"', prev, end)
        end = prev
    return end + 1
