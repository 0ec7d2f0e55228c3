"""Records of a CSV file, block by block: the good ones parsed by pyarrow, the others as faults.

How, and why this way (measured on a 288 MB clickstream export: pyarrow's parser 3.0 s): the
file is cut into blocks at record ends found by quote parity (a newline ends a record when the
quotes before it are balanced), so blocks parse independently with bounded memory. A block with
no fault and one line per record (rows == newlines) takes pyarrow's multi-threaded parser and
``arange`` line numbers: the checks that decide this are C-speed scans (an ASCII check, else a
UTF-8 decode; NUL and header searches; newlines and quotes counted with numpy, a third of
``bytes.count``'s time). Other blocks go through the exact path: records located with numpy,
faults marked, the good records parsed by pyarrow; a quote inside an unquoted value (``5" x``,
``\xe9"x"``) is a character there, as pyarrow reads it. A file whose quoting the parity cannot
follow (a closing quote followed by text, or an odd quote that made a block end inside a record)
is read from that block on by ``csv_fallback``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ecom_assets.lib import csv_fallback
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
    UnreadableFile,
    column_at,
    count_byte,
    empty_table,
    escape,
    invalid_utf8_positions,
    is_utf8,
    last_record_end,
    read_header,
    record_text,
    rfc4180_quotes,
)

BLOCK_SIZE = 1 << 24
# A file is "not UTF-8 as a whole" (a file-level fault) when more than this share of its records
# (and at least MIN_BAD_UTF8 of them) carry bytes that are not UTF-8: a Latin-1 export, not a stray byte.
MAX_BAD_UTF8_SHARE = 0.01
MIN_BAD_UTF8 = 10
MAX_CARRY_BLOCKS = 4  # a record longer than this many blocks means the quoting is broken


class Reader:
    """One file's records, in blocks that end at a record end (``batches``)."""

    def __init__(self, path: Path, display: str, block_size: int = BLOCK_SIZE) -> None:
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
                    cut = last_record_end(buf)
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
                newlines = count_byte(block, 10)
                result = self._block(block, line, eof, newlines)
                if result is None:  # not RFC 4180 quoting: exact Python reading from here on
                    yield from self._python_rest(offset, line)
                    break
                result.end_offset = offset + len(block)
                yield result
                offset += len(block)
                line += newlines
                if eof:
                    break
        self._file_verdict()

    def _python_rest(self, offset: int, first_line: int) -> Iterator[Batch]:
        for batch in csv_fallback.read_rest(self.path, offset, first_line, self.names, self.header_lines):
            self.records += batch.rows.num_rows + len(batch.faults)
            self.bad_utf8 += [x.line for x in batch.faults if x.code == INVALID_UTF8]
            yield batch

    def _file_verdict(self) -> None:
        bad = len(self.bad_utf8)
        if bad >= MIN_BAD_UTF8 and bad > MAX_BAD_UTF8_SHARE * max(self.records, 1):
            raise UnreadableFile(
                f"{self.display}: not UTF-8 text as a whole ({bad:,} of {self.records:,} records have "
                f"bytes that are not UTF-8, the first on line {min(self.bad_utf8)}); save the export as UTF-8"
            )

    # -- one block --------------------------------------------------------------------------

    def _block(self, block: bytes, first_line: int, final: bool, newlines: int) -> Batch | None:
        clean = (
            is_utf8(block)
            and b"\x00" not in block
            and not self._has_header_line(block)
            and (not final or block.endswith(b"\n"))
        )
        parsed = None
        if clean:
            parsed = self._parse(block)
            if parsed is not None and not parsed[1] and parsed[0].num_rows == newlines:
                self.records += newlines
                lines = np.arange(first_line, first_line + newlines, dtype=np.int64)
                return Batch(parsed[0], lines)
        return self._exact(block, first_line, final, parsed)

    def _has_header_line(self, block: bytes) -> bool:
        """Whether a line of ``block`` is the header again, with or without a BOM, ended by
        ``\\n`` or ``\\r\\n``: one scan for the header's text, then a look at each place it is
        found (four scans of a copy of the block took 0.16 s of importing clickstream at scale 10)."""
        h = self.header.line
        at = block.find(h)
        while at >= 0:
            start = at - len(BOM) if block[max(0, at - len(BOM)) : at] == BOM else at
            end = at + len(h)
            if (start == 0 or block[start - 1] == 10) and (
                block[end : end + 1] == b"\n" or block[end : end + 2] == b"\r\n"
            ):
                return True
            at = block.find(h, at + 1)
        return False

    def _parse(self, data: bytes) -> tuple[pa.Table, list[str]] | None:
        """pyarrow's parse of complete records: (rows, the text of each record it skipped for its
        number of fields), None if it fails."""
        skipped: list[str] = []

        def skip(row: pacsv.InvalidRow) -> str:
            skipped.append(row.text)
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
                return empty_table(self.names), skipped
            return None
        return table, skipped

    def _exact(
        self, block: bytes, first_line: int, final: bool, parsed: tuple[pa.Table, int] | None
    ) -> Batch | None:
        arr = np.frombuffer(block, dtype=np.uint8)
        quotes = rfc4180_quotes(arr, np.flatnonzero(arr == 34))
        if quotes is None or (not final and len(quotes) % 2):  # (odd: the block was not cut at a record end)
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
                col = column_at(self.names, block, int(starts[k]), pos)
                fault[k] = (INVALID_UTF8, f"bytes that are not UTF-8 (0x{block[pos]:02x})", col)
        for pos in np.flatnonzero(arr == 0).tolist():
            k = int(np.searchsorted(starts, pos, side="right") - 1)
            if fault[k] is None:
                fault[k] = (
                    NUL_BYTE,
                    "a NUL byte (0x00) inside the line",
                    column_at(self.names, block, int(starts[k]), pos),
                )

        blank = np.zeros(n, dtype=bool)
        lengths = stops - starts
        for k in np.flatnonzero(lengths <= max(len(h) for h in self.header_lines) + 1).tolist():
            text = record_text(block[starts[k] : stops[k]])
            if not text.strip():
                blank[k] = fault[k] is None or fault[k][0] == CUT_OFF
                if blank[k]:
                    fault[k] = None
            elif text in self.header_lines and fault[k] is None:
                fault[k] = (REPEATED_HEADER, "the header line again inside the file (two exports "
                            "concatenated?)", None)  # fmt: skip

        good = np.array([f is None for f in fault], dtype=bool) & ~blank
        table = self._parse_good(block, quotes, starts, stops, good, fault, parsed)
        if table is None:
            return None
        faults = [
            Fault(int(lines[k]), f[0], f[1], escape(record_text(block[starts[k] : stops[k]])), f[2])
            for k, f in enumerate(fault)
            if f is not None
        ]
        self.bad_utf8 += [x.line for x in faults if x.code == INVALID_UTF8]
        self.records += int(good.sum()) + len(faults)
        return Batch(table, lines[good].astype(np.int64), faults)

    def _parse_good(
        self,
        block: bytes,
        quotes: np.ndarray,
        starts: np.ndarray,
        stops: np.ndarray,
        good: np.ndarray,
        fault: list,
        parsed: tuple[pa.Table, list[str]] | None,
    ) -> pa.Table | None:
        for _ in range(2):
            first = good.all() and parsed is not None
            table, skipped = parsed if first else self._parse_records(block, starts, stops, good)
            if not skipped:
                return table if table is not None and table.num_rows == int(good.sum()) else None
            marked = self._mark_field_counts(block, quotes, starts, good, fault)
            if (
                first
                and table.num_rows == int(good.sum())
                and _same_texts(block, starts, stops, marked, skipped)
            ):
                # the parse of the whole block skipped exactly the records with the wrong number of
                # fields, and kept the others in order: they are the good records (a second parse
                # took a fifth of importing orders with an unquoted comma on 0.1% of its lines)
                return table
            parsed = None
        return None

    def _parse_records(
        self, block: bytes, starts: np.ndarray, stops: np.ndarray, good: np.ndarray
    ) -> tuple[pa.Table | None, list[str]]:
        if not good.any():
            return empty_table(self.names), []
        # the good records as runs of neighbours: few slices when few records are left out
        edges = np.flatnonzero(np.diff(np.r_[False, good, False].astype(np.int8)))
        data = b"".join(
            block[starts[a] : min(stops[b - 1] + 1, len(block))]
            for a, b in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True)
        )
        if not data.endswith(b"\n"):
            data += b"\n"
        result = self._parse(data)
        return (None, []) if result is None else result

    def _mark_field_counts(
        self, block: bytes, quotes: np.ndarray, starts: np.ndarray, good: np.ndarray, fault: list
    ) -> list[int]:
        """Mark the good records whose number of fields is not the header's; returns them."""
        arr = np.frombuffer(block, dtype=np.uint8)
        commas = np.flatnonzero(arr == 44)
        commas = commas[(np.searchsorted(quotes, commas) & 1) == 0]
        owner = np.searchsorted(starts, commas, side="right") - 1
        fields = np.bincount(owner, minlength=len(starts)) + 1
        marked = np.flatnonzero(good & (fields != self.width)).tolist()
        for k in marked:
            few = fields[k] < self.width
            fault[k] = (
                TOO_FEW if few else TOO_MANY,
                f"{fields[k]} fields where the header has {self.width} "
                + ("(a line cut short?)" if few else "(an unquoted comma in a value?)"),
                None,
            )
            good[k] = False
        return marked


def _same_texts(
    block: bytes, starts: np.ndarray, stops: np.ndarray, marked: list[int], skipped: list[str]
) -> bool:
    """Whether the records ``marked`` are, as texts, the ones pyarrow skipped (in any order)."""
    if len(marked) != len(skipped):
        return False
    ours = sorted(record_text(block[starts[k] : stops[k]]).decode("utf-8", "replace") for k in marked)
    return ours == sorted(skipped)
