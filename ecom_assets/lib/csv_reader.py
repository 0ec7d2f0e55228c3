"""Read a CSV export the way real exports are: every record kept or rejected with its line.

A record is one row of the file (quoted values may span lines). What this module decides is
*structural*: which bytes form a record, on which physical line it starts, and whether it can be
split into the header's fields at all. Values are not interpreted here (``lib/values.py`` does).

Row-level faults never fail the file (DATA_CONTRACT.md "Bad input", after DuckDB's
``store_rejects`` and PostgreSQL 17's ``COPY ... ON_ERROR``): a record with too few or too many
fields, bytes that are not UTF-8, a NUL byte, the header line repeated inside the file, a last
line without its line break (the export was cut off) or a quote still open at the end of the
file. Each becomes a ``Fault`` with its line and its bytes, escaped losslessly. File-level
faults raise ``UnreadableFile`` with one message: no header, an empty file, a header that is not
UTF-8 or names a column twice, or a file that is not UTF-8 as a whole.

How, and why this way (measured on a 288 MB clickstream export: pyarrow's parser 3.0 s): the
file is cut into blocks at record ends found by quote parity (a newline ends a record when the
quotes before it are balanced), so blocks parse independently with bounded memory. A block with
no fault and one line per record (rows == newlines) takes pyarrow's multi-threaded parser and
``arange`` line numbers: the checks that decide this are C-speed scans (UTF-8 decode, NUL and
header searches, +0.3 s). Other blocks go through the exact path: records located with numpy,
faults marked, the good records parsed by pyarrow. A file whose quoting is not RFC 4180 (a quote
inside an unquoted value changes the parity) is read from that block on by Python's csv module,
which splits such values the way pyarrow does; correct, and slower.
"""

from __future__ import annotations

import codecs
import csv
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

BLOCK_SIZE = 1 << 24
BOM = b"\xef\xbb\xbf"
# A file is "not UTF-8 as a whole" (a file-level fault) when more than this share of its records
# (and at least MIN_BAD_UTF8 of them) carry bytes that are not UTF-8: a Latin-1 export, not a stray byte.
MAX_BAD_UTF8_SHARE = 0.01
MIN_BAD_UTF8 = 10
MAX_CARRY_BLOCKS = 4  # a record longer than this many blocks means the quoting is broken

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


def _record_text(raw: bytes) -> bytes:
    return raw[:-1] if raw.endswith(b"\r") else raw


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
    first = _record_text(first)
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


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ---------------------------------------------------------------- one file


class _Reader:
    def __init__(self, path: Path, display: str, block_size: int) -> None:
        self.path, self.display, self.block_size = path, display, block_size
        self.header = read_header(path, display)
        self.names = self.header.names
        self.width = len(self.names)
        self.records = 0
        self.bad_utf8: list[int] = []  # lines with undecodable bytes (for the file-level verdict)
        h = self.header.line
        self.header_lines = {h, BOM + h}

    # -- reading blocks that end at a record end ------------------------------------------

    def batches(self) -> Iterator[Batch]:
        line = 2
        offset = self.header.size
        with self.path.open("rb") as f:
            f.seek(offset)
            carry = b""
            while True:
                chunk = f.read(self.block_size)
                eof = not chunk
                buf = carry + chunk if carry else chunk
                if not eof:
                    cut = _last_record_end(buf)
                    if cut <= 0:
                        if len(buf) > MAX_CARRY_BLOCKS * self.block_size:  # quoting is broken
                            yield from self._python_rest(offset, line)
                            break
                        carry = buf
                        continue
                    block, carry = buf[:cut], buf[cut:]
                else:
                    block, carry = buf, b""
                    if not block:
                        break
                result = self._block(block, line, final=eof)
                if result is None:  # not RFC 4180 quoting: exact Python reading from here on
                    yield from self._python_rest(offset, line)
                    break
                result.end_offset = offset + len(block)
                yield result
                offset += len(block)
                line += block.count(b"\n")
                if eof:
                    break
        self._file_verdict()

    def _file_verdict(self) -> None:
        bad = len(self.bad_utf8)
        if bad >= MIN_BAD_UTF8 and bad > MAX_BAD_UTF8_SHARE * max(self.records, 1):
            raise UnreadableFile(
                f"{self.display}: not UTF-8 text as a whole ({bad:,} of {self.records:,} records have "
                f"bytes that are not UTF-8, the first on line {min(self.bad_utf8)}); save the export as UTF-8"
            )

    # -- one block --------------------------------------------------------------------------

    def _block(self, block: bytes, first_line: int, final: bool) -> Batch | None:
        newlines = block.count(b"\n")
        clean = (
            _is_utf8(block)
            and b"\x00" not in block
            and not self._has_header_line(block)
            and (not final or block.endswith(b"\n"))
        )
        parsed = None
        if clean:
            parsed = self._parse(block)
            if parsed is not None and parsed[1] == 0 and parsed[0].num_rows == newlines:
                self.records += newlines
                lines = np.arange(first_line, first_line + newlines, dtype=np.int64)
                return Batch(parsed[0], lines)
        return self._exact(block, first_line, final, parsed)

    def _has_header_line(self, block: bytes) -> bool:
        view = b"\n" + block
        for h in self.header_lines:
            for end in (b"\n", b"\r\n"):
                if b"\n" + h + end in view:
                    return True
        return False

    def _parse(self, data: bytes) -> tuple[pa.Table, int] | None:
        """pyarrow's parse of complete records: (rows, invalid rows skipped), None if it fails."""
        invalid = [0]

        def skip(_row: object) -> str:
            invalid[0] += 1
            return "skip"

        try:
            table = pacsv.read_csv(
                pa.py_buffer(data),
                read_options=pacsv.ReadOptions(column_names=self.names, block_size=1 << 22),
                parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in self.names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            if "Empty CSV" in str(exc):
                return _empty(self.names), invalid[0]
            return None
        return table, invalid[0]

    def _exact(
        self, block: bytes, first_line: int, final: bool, parsed: tuple[pa.Table, int] | None
    ) -> Batch | None:
        arr = np.frombuffer(block, dtype=np.uint8)
        quotes = np.flatnonzero(arr == 34)
        if not _rfc4180_quotes(arr, quotes):
            return None
        nl = np.flatnonzero(arr == 10)
        ends = nl[(np.searchsorted(quotes, nl) & 1) == 0]  # newlines outside quotes
        starts = np.r_[0, ends + 1].astype(np.int64)
        stops = np.r_[ends, len(block)].astype(np.int64)  # exclusive, the newline not included
        if starts[-1] == len(block):  # the block ends with a record end
            starts, stops = starts[:-1], stops[:-1]
        lines = first_line + np.searchsorted(nl, starts)
        n = len(starts)
        fault: list[tuple[str, str, str | None] | None] = [None] * n

        tail_open = final and len(quotes) % 2 == 1
        if final and n and (tail_open or not block.endswith(b"\n")):
            if tail_open:
                fault[-1] = (UNCLOSED_QUOTE, "a quoted value is still open at the end of the file: "
                             "the export looks cut off", None)  # fmt: skip
            else:
                fault[-1] = (CUT_OFF, "the last line has no line break: the export looks cut off "
                             "mid-write (if the file is complete, end it with a newline)", None)  # fmt: skip
        for pos in invalid_utf8_positions(block):
            k = int(np.searchsorted(starts, pos, side="right") - 1)
            if fault[k] is None:
                col = self._column_at(block, int(starts[k]), pos)
                fault[k] = (INVALID_UTF8, f"bytes that are not UTF-8 (0x{block[pos]:02x})", col)
        for pos in np.flatnonzero(arr == 0).tolist():
            k = int(np.searchsorted(starts, pos, side="right") - 1)
            if fault[k] is None:
                fault[k] = (
                    NUL_BYTE,
                    "a NUL byte (0x00) inside the line",
                    self._column_at(block, int(starts[k]), pos),
                )

        blank = np.zeros(n, dtype=bool)
        lengths = stops - starts
        for k in np.flatnonzero(lengths <= max(len(h) for h in self.header_lines) + 1).tolist():
            text = _record_text(block[starts[k] : stops[k]])
            if not text.strip():
                blank[k] = fault[k] is None or fault[k][0] == CUT_OFF
                if blank[k]:
                    fault[k] = None
            elif text in self.header_lines and fault[k] is None:
                fault[k] = (REPEATED_HEADER, "the header line again inside the file (two exports "
                            "concatenated?)", None)  # fmt: skip

        good = np.array([f is None for f in fault], dtype=bool) & ~blank
        table = self._parse_good(block, starts, stops, good, fault, parsed)
        if table is None:
            return None
        faults = [
            Fault(int(lines[k]), f[0], f[1], escape(_record_text(block[starts[k] : stops[k]])), f[2])
            for k, f in enumerate(fault)
            if f is not None
        ]
        self.bad_utf8 += [x.line for x in faults if x.code == INVALID_UTF8]
        self.records += int(good.sum()) + len(faults)
        return Batch(table, lines[good].astype(np.int64), faults)

    def _parse_good(
        self,
        block: bytes,
        starts: np.ndarray,
        stops: np.ndarray,
        good: np.ndarray,
        fault: list,
        parsed: tuple[pa.Table, int] | None,
    ) -> pa.Table | None:
        for _ in range(2):
            if good.all() and parsed is not None:
                table, invalid = parsed
            else:
                table, invalid = self._parse_records(block, starts, stops, good)
            if invalid == 0 and table is not None and table.num_rows == int(good.sum()):
                return table
            if invalid == 0:
                return None  # the parser saw other records than the quote parity did
            self._mark_field_counts(block, starts, stops, good, fault)
            parsed = None
        return None

    def _parse_records(
        self, block: bytes, starts: np.ndarray, stops: np.ndarray, good: np.ndarray
    ) -> tuple[pa.Table | None, int]:
        if not good.any():
            return _empty(self.names), 0
        # the good records as runs of neighbours: few slices when few records are left out
        edges = np.flatnonzero(np.diff(np.r_[False, good, False].astype(np.int8)))
        data = b"".join(
            block[starts[a] : min(stops[b - 1] + 1, len(block))]
            for a, b in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True)
        )
        if not data.endswith(b"\n"):
            data += b"\n"
        result = self._parse(data)
        return (None, 0) if result is None else result

    def _mark_field_counts(
        self, block: bytes, starts: np.ndarray, stops: np.ndarray, good: np.ndarray, fault: list
    ) -> None:
        arr = np.frombuffer(block, dtype=np.uint8)
        quotes = np.flatnonzero(arr == 34)
        commas = np.flatnonzero(arr == 44)
        commas = commas[(np.searchsorted(quotes, commas) & 1) == 0]
        owner = np.searchsorted(starts, commas, side="right") - 1
        fields = np.bincount(owner, minlength=len(starts)) + 1
        for k in np.flatnonzero(good & (fields != self.width)).tolist():
            few = fields[k] < self.width
            fault[k] = (
                TOO_FEW if few else TOO_MANY,
                f"{fields[k]} fields where the header has {self.width} "
                + ("(a line cut short?)" if few else "(an unquoted comma in a value?)"),
                None,
            )
            good[k] = False

    def _column_at(self, block: bytes, start: int, pos: int) -> str | None:
        prefix = block[start:pos]
        index = len(next(csv.reader([prefix.decode("utf-8", "replace")]), [""])) - 1 if prefix else 0
        return self.names[index] if 0 <= index < self.width else None

    # -- the exact, slower reader for files whose quoting is not RFC 4180 -----------------------

    def _python_rest(self, offset: int, first_line: int) -> Iterator[Batch]:
        """Records from ``offset`` to the end by Python's csv module, streamed in batches."""
        with self.path.open("rb") as f:
            f.seek(offset)
            pending: list[bytes] = []  # raw lines of the record being read
            state = {"line": first_line, "cut": False}

            def feed() -> Iterator[str]:
                while raw := f.readline():
                    if not raw.endswith(b"\n"):
                        state["cut"] = True
                    pending.append(raw)
                    yield raw.decode("utf-8", errors="surrogateescape")

            columns: list[list[str]] = [[] for _ in self.names]
            lines: list[int] = []
            faults: list[Fault] = []
            for record in csv.reader(feed()):
                raw = b"".join(pending)
                line = state["line"]
                state["line"] += len(pending)
                pending.clear()
                text = _record_text(raw[:-1] if raw.endswith(b"\n") else raw)
                if not text.strip():
                    continue
                problem = self._python_fault(record, text, state["cut"])
                if problem:
                    faults.append(Fault(line, problem[0], problem[1], escape(text), problem[2]))
                else:
                    lines.append(line)
                    for i, v in enumerate(record):
                        columns[i].append(v)
                if len(lines) + len(faults) >= 100_000:
                    yield self._python_batch(columns, lines, faults, f.tell())
                    columns, lines, faults = [[] for _ in self.names], [], []
            yield self._python_batch(columns, lines, faults, f.tell())

    def _python_batch(
        self, columns: list[list[str]], lines: list[int], faults: list[Fault], offset: int
    ) -> Batch:
        table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(self.names, columns, strict=True)})
        self.records += len(lines) + len(faults)
        self.bad_utf8 += [x.line for x in faults if x.code == INVALID_UTF8]
        return Batch(table, np.asarray(lines, dtype=np.int64), faults, offset)

    def _python_fault(self, record: list[str], text: bytes, cut: bool) -> tuple[str, str, str | None] | None:
        if cut:
            return CUT_OFF, "the last line has no line break: the export looks cut off mid-write", None
        if not _is_utf8(text):
            pos = invalid_utf8_positions(text)[0]
            return (
                INVALID_UTF8,
                f"bytes that are not UTF-8 (0x{text[pos]:02x})",
                self._column_at(text, 0, pos),
            )
        if b"\x00" in text:
            return (
                NUL_BYTE,
                "a NUL byte (0x00) inside the line",
                self._column_at(text, 0, text.index(b"\x00")),
            )
        if text in self.header_lines:
            return REPEATED_HEADER, "the header line again inside the file (two exports concatenated?)", None
        if len(record) != self.width:
            few = len(record) < self.width
            return (
                TOO_FEW if few else TOO_MANY,
                f"{len(record)} fields where the header has {self.width} "
                + ("(a line cut short?)" if few else "(an unquoted comma in a value?)"),
                None,
            )
        return None


_FIELD_EDGE = np.array([44, 10, 13, 34], dtype=np.uint8)  # , \n \r "


def _rfc4180_quotes(arr: np.ndarray, quotes: np.ndarray) -> bool:
    """True when every quote sits where RFC 4180 puts one, so quote parity splits records right.

    In a block that starts at a record start, the quote at index j opens a quoted value when j is
    even (it must follow a comma or line start, or close an escaped ``""`` pair) and closes one
    when j is odd (a comma, line end or another quote follows). A quote inside an unquoted value
    (``5" screen``) breaks this; such a block is read by Python's csv module instead.
    """
    if not len(quotes):
        return True
    opening, closing = quotes[0::2], quotes[1::2]
    prev = arr[np.maximum(opening - 1, 0)]
    ok_open = (opening == 0) | np.isin(prev, _FIELD_EDGE[[0, 1, 3]])
    nxt = arr[np.minimum(closing + 1, len(arr) - 1)]
    ok_close = (closing == len(arr) - 1) | np.isin(nxt, _FIELD_EDGE)
    return bool(ok_open.all() and ok_close.all())


def _last_record_end(buf: bytes) -> int:
    """Offset just past the last newline of ``buf`` that lies outside quotes (0 when there is none).

    ``buf`` starts at a record start, so a newline ends a record when the quotes before it are
    balanced; counting them is C-speed (``bytes.count``), stepping back line by line when not.
    """
    end = buf.rfind(b"\n")
    if end < 0:
        return 0
    quotes = buf.count(b'"', 0, end)
    while quotes % 2:
        prev = buf.rfind(b"\n", 0, end)
        if prev < 0:
            return 0
        quotes -= buf.count(b'"', prev, end)
        end = prev
    return end + 1


def _empty(names: list[str]) -> pa.Table:
    return pa.table({n: pa.array([], pa.string()) for n in names})


def read_batches(path: Path, display: str | None = None, block_size: int = BLOCK_SIZE) -> Iterator[Batch]:
    """Every record of a CSV file, as batches of text rows with their lines, and the faults.

    Raises ``UnreadableFile`` for a file-level fault (possibly after some batches: a file turns out
    not to be UTF-8 as a whole only at its end, so callers write to a temporary place first).
    """
    return _Reader(Path(path), display or Path(path).name, block_size).batches()


def header_of(path: Path, display: str | None = None) -> list[str]:
    return read_header(Path(path), display).names
