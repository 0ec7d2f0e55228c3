"""Staging: landed CSV text -> typed rows that meet the contract, and rejects that say why.

No Dagster here. Parsing is vectorised with ``pyarrow.compute`` (one pass per column, no
per-row Python on the happy path); the pandera model of ``lib/contracts.py`` then validates
every row lazily, so the same model that generates the DDL decides what is valid. Each
rejected row yields one or more reject records naming the user's own file, line, column,
value and a rule a person understands; nothing is dropped: rows read = staged + rejected
(+ exact duplicate versions of a dimension row, which collapse to one).

Loads are per landed day and idempotent: a day whose file fingerprint (size + sha1) equals
the one in ``ops.staging_loads`` is skipped, a changed day is deleted and re-COPYed inside
the caller's transaction, so a failure leaves the previous rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors as pa_errors
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from ecom_assets.lib import postgres
from ecom_assets.lib.contracts import DAY_COLUMN, SOURCE_TABLES, SourceTable

SOURCE_FILE = "_source_file"
SOURCE_LINE = "_source_line"
PROVENANCE = (SOURCE_FILE, SOURCE_LINE)

_YMD = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
DATE_RE = rf"^{_YMD}$"
TS_RE = rf"^{_YMD} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{{1,6}})?$"
NUMBER_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
MONEY_RE = r"^[+-]?\d+(\.\d{1,2})?$"
INT_RE = r"^[+-]?\d{1,18}$"
TRUE_VALUES = ["True", "true", "1"]
FALSE_VALUES = ["False", "false", "0"]

RULES = {
    "date": "unparsable date (expected YYYY-MM-DD)",
    "ts": "unparsable timestamp (expected YYYY-MM-DD HH:MM:SS[.ffffff])",
    "money": "not a money amount (expected a number like 12.34)",
    "money_places": "money with more than 2 decimals",
    "decimal": "not a number",
    "decimal_range": "number too large (at most 8 digits before the decimal point)",
    "int": "not an integer",
    "bool": "not a boolean (expected True/False/true/false/1/0)",
    "not_nullable": "required value missing",
}
READ_BLOCK = 1 << 24
MAX_DECIMAL = 1e8  # numeric(12,4)


class UnreadableFile(ValueError):
    """A file that cannot be read at all; ``str()`` is the one clear message for the user."""


# ---------------------------------------------------------------- reading CSV text


def read_header(path: Path, display: str | None = None) -> list[str]:
    """The header row of a CSV file (BOM stripped), with a clear error when there is none."""
    display = display or path.name
    with path.open("rb") as f:
        head = f.read(1 << 20)
    if not head.strip():
        raise UnreadableFile(f"{display}: empty file (expected a header row naming the columns)")
    first = head.split(b"\n", 1)[0]
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{display}: line 1 (the header): not UTF-8 text (byte 0x{first[exc.start]:02x}); "
            "save the export as UTF-8"
        ) from None
    names = next(csv.reader([text.rstrip("\r")]), [])
    names = [n.strip() for n in names]
    if not any(names):
        raise UnreadableFile(f"{display}: line 1: empty header row (expected the column names)")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UnreadableFile(f"{display}: line 1 (the header): column(s) named twice: {', '.join(dupes)}")
    return names


def check_columns(names: list[str], table: SourceTable, display: str) -> None:
    missing = [c for c in table.required_columns() if c not in names]
    if missing:
        raise UnreadableFile(
            f"{display}: line 1 (the header): missing required column(s) {', '.join(missing)} "
            f"of {table.name} (found: {', '.join(names)})"
        )


def _text_options(names: list[str], block_size: int = READ_BLOCK) -> tuple:
    read = pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=block_size)
    parse = pacsv.ParseOptions(newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    return read, parse, convert


def diagnose(path: Path, names: list[str], exc: Exception, display: str | None = None) -> UnreadableFile:
    """Turn a pyarrow read error into one message naming file, line and column where known."""
    display = display or path.name
    msg = str(exc)
    data = path.read_bytes()
    if "UTF8" in msg or "utf8" in msg.lower():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            start = data.rfind(b"\n", 0, err.start) + 1
            prefix = data[start : err.start].decode("utf-8", errors="replace")
            col_no = len(next(csv.reader([prefix]), [""])) - 1 if prefix else 0
            col = names[col_no] if 0 <= col_no < len(names) else f"#{col_no + 1}"
            return UnreadableFile(
                f"{display}: line {line}, column {col}: not UTF-8 text (byte 0x{data[err.start]:02x}); "
                "save the export as UTF-8"
            )
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    start_line = 1
    for record in reader:
        if record and len(record) != len(names):
            return UnreadableFile(
                f"{display}: line {start_line}: {len(record)} fields where the header has {len(names)} "
                "(not a CSV file of this table, or an unquoted comma/quote in a value)"
            )
        start_line = reader.line_num + 1
    return UnreadableFile(
        f"{display}: cannot be read as CSV: {msg.splitlines()[0] if msg else type(exc).__name__}"
    )


def _needs_slow_lines(path: Path) -> bool:
    """Blank lines (skipped by the CSV parser) shift line numbers: those files count in Python."""
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(1 << 24):
            edge = tail + chunk[:2]
            if b"\n\n" in chunk or b"\n\r\n" in chunk or b"\n\n" in edge or b"\n\r\n" in edge:
                return True
            tail = chunk[-2:]
    return False


def physical_lines(path: Path) -> int:
    """Lines in a file (a last line without a newline counts): a cheap C-speed scan."""
    count, last = 0, b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


def _python_lines(path: Path) -> np.ndarray:
    """First physical line of every non-empty record (header = line 1), by Python's csv module."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    out, start = [], 1
    for record in reader:
        if record and start > 1:
            out.append(start)
        start = reader.line_num + 1
    return np.asarray(out, dtype=np.int64)


def _record_lines(batch: pa.RecordBatch | pa.Table, first_line: int) -> np.ndarray:
    """Physical first line of each record: 1 + the newlines inside earlier records' quoted values."""
    extra = np.zeros(batch.num_rows, dtype=np.int64)
    for col in batch.columns:
        extra += pc.count_substring(col, "\n").to_numpy(zero_copy_only=False).astype(np.int64)
    spans = extra + 1
    ends = np.cumsum(spans)
    return first_line + ends - spans


def iter_text_batches(
    path: Path, display: str | None = None, block_size: int = READ_BLOCK, simple_lines: bool = False
) -> Iterator[tuple[list[str], pa.RecordBatch, np.ndarray]]:
    """Stream a CSV file as all-text record batches with each record's first physical line.

    ``simple_lines`` assumes one line per record (no quoted newlines, no blank lines): the
    caller verifies that afterwards with ``physical_lines`` and reads again exactly if not.
    Raises ``UnreadableFile`` with file, line and column where known.
    """
    display = display or path.name
    names = read_header(path, display)
    slow = not simple_lines and _needs_slow_lines(path)
    slow_lines = _python_lines(path) if slow else None
    read, parse, convert = _text_options(names, block_size)
    try:
        reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "Empty CSV" in str(exc):  # header only: zero rows
            return
        raise diagnose(path, names, exc, display) from None
    next_line, seen = 2, 0
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise diagnose(path, names, exc, display) from None
        if simple_lines:
            lines = np.arange(next_line, next_line + batch.num_rows, dtype=np.int64)
            next_line += batch.num_rows
        elif slow_lines is not None:
            lines = slow_lines[seen : seen + batch.num_rows]
        else:
            lines = _record_lines(batch, next_line)
            if batch.num_rows:
                next_line = (
                    int(lines[-1])
                    + 1
                    + int(sum(pc.count_substring(c[-1:], "\n")[0].as_py() for c in batch.columns))
                )
        seen += batch.num_rows
        yield names, batch, lines


def read_text_fast(path: Path, display: str) -> tuple[list[str], pa.Table]:
    """A whole CSV file as text columns (no line numbers computed), multi-threaded."""
    names = read_header(path, display)
    read, parse, convert = _text_options(names)
    try:
        return names, pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "Empty CSV" in str(exc):
            return names, pa.table({n: pa.array([], pa.string()) for n in names})
        raise diagnose(path, names, exc, display) from None


def read_text_table(path: Path, display: str | None = None) -> tuple[list[str], pa.Table]:
    """A whole CSV file as text columns plus ``_source_line`` when the file does not carry it."""
    display = display or path.name
    names = read_header(path, display)
    batches, lines = [], []
    for _, batch, ln in iter_text_batches(path, display):
        batches.append(batch)
        lines.append(ln)
    schema = pa.schema([(n, pa.string()) for n in names])
    table = pa.Table.from_batches(batches, schema=schema)
    if SOURCE_LINE not in names:
        arr = np.concatenate(lines) if lines else np.zeros(0, dtype=np.int64)
        table = table.append_column(SOURCE_LINE, pa.array(arr, pa.int64()))
    return names, table


# ---------------------------------------------------------------- parsing by kind


def _blank_to_null(arr: pa.ChunkedArray | pa.Array, strip: bool) -> pa.Array:
    if strip:
        arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _real_day(ts: pa.Array, text: pa.Array) -> pa.Array:
    """True where the parsed day of month equals the written one (strptime rolls 02-30 to 03-02)."""
    written = pc.cast(pc.utf8_slice_codeunits(text, 8, 10), pa.int64())
    return pc.fill_null(pc.equal(pc.day(ts), written), False)


def parse_date(arr: pa.Array) -> pa.Array:
    """``YYYY-MM-DD`` -> date32 (null where absent or not a real calendar date)."""
    ok = pc.fill_null(pc.match_substring_regex(arr, DATE_RE), False)
    cand = pc.if_else(ok, arr, pa.scalar(None, pa.string()))
    ts = pc.strptime(cand, format="%Y-%m-%d", unit="s", error_is_null=True)
    real = _real_day(ts, pc.fill_null(cand, "0000-00-00"))
    return pc.if_else(real, pc.cast(ts, pa.date32()), pa.scalar(None, pa.date32()))


def parse_ts(arr: pa.Array) -> pa.Array:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]`` -> timestamp[us] (null where absent or impossible)."""
    ok = pc.fill_null(pc.match_substring_regex(arr, TS_RE), False)
    cand = pc.if_else(ok, arr, pa.scalar(None, pa.string()))
    head = pc.utf8_slice_codeunits(cand, 0, 19)
    ts = pc.strptime(head, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
    real = _real_day(ts, pc.fill_null(head, "0000-00-00"))
    if pc.any(pc.greater(pc.utf8_length(cand), 19)).as_py():
        frac = pc.utf8_rpad(pc.utf8_slice_codeunits(cand, 20, 26), width=6, padding="0")
        micros = pc.cast(pc.if_else(real, frac, pa.scalar("0")), pa.int64())
        ts = pc.cast(pc.add(pc.cast(ts, pa.int64()), micros), pa.timestamp("us"))
    return pc.if_else(real, ts, pa.scalar(None, pa.timestamp("us")))


def parse_day(arr: pa.Array, kind: str) -> pa.Array:
    """The day a date or timestamp column places a row on (date32, null where unparsable)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.utf8_trim_whitespace(arr)
    if kind == "ts":  # the day is the date part; a bad time is for staging to reject
        long_enough = pc.fill_null(pc.greater_equal(pc.utf8_length(arr), 10), False)
        arr = pc.if_else(long_enough, pc.utf8_slice_codeunits(arr, 0, 10), pa.scalar(None, pa.string()))
    encoded = arr.dictionary_encode()
    return pc.take(parse_date(encoded.dictionary), encoded.indices)


@dataclass
class Parsed:
    """One column parsed: text to COPY, typed values for pandera, and cells that failed to parse."""

    text: pa.Array
    typed: pa.Array
    failed: np.ndarray  # bool per row
    rules: np.ndarray | str | None = None


def parse_column(raw: pa.Array, kind: str) -> Parsed:
    """Parse one text column by its contract kind, vectorised.

    Dates, integers and flags repeat a lot: those are parsed once per distinct value, then
    spread back to the rows with ``take`` (measured: encoding costs more than it saves for
    timestamps and amounts, which are parsed directly).
    """
    if kind in ("text", "id", "ts", "money", "decimal"):  # mostly distinct values: parse directly
        return _parse_values(raw, kind)
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    encoded = raw.dictionary_encode()
    values = _parse_values(encoded.dictionary, kind)
    idx = encoded.indices
    idx_np = pc.fill_null(idx, 0).to_numpy(zero_copy_only=False)
    failed = values.failed[idx_np] if len(values.failed) else np.zeros(len(raw), dtype=bool)
    if len(values.failed):
        failed &= pc.is_valid(idx).to_numpy(zero_copy_only=False)
    rules = (
        values.rules[idx_np] if isinstance(values.rules, np.ndarray) and len(values.rules) else values.rules
    )
    if isinstance(rules, np.ndarray) and not len(rules):
        rules = RULES[kind]
    return Parsed(pc.take(values.text, idx), pc.take(values.typed, idx), failed, rules)


def _parse_values(raw: pa.Array, kind: str) -> Parsed:
    n = len(raw)
    text = _blank_to_null(raw, strip=kind not in ("text", "id"))
    present = pc.is_valid(text)
    if kind in ("text", "id"):
        return Parsed(text, text, np.zeros(n, dtype=bool))
    if kind == "date":
        typed = parse_date(text)
    elif kind == "ts":
        typed = parse_ts(text)
    elif kind == "money":
        # one regex on the happy path; the rule of a failing value is worked out on those only
        is_money = pc.fill_null(pc.match_substring_regex(text, MONEY_RE), False)
        typed = pc.cast(pc.if_else(is_money, text, pa.scalar(None, pa.string())), pa.float64())
        failed = pc.and_(present, pc.invert(is_money)).to_numpy(zero_copy_only=False)
        rules: np.ndarray | str = RULES["money"]
        if failed.any():
            number = pc.fill_null(pc.match_substring_regex(text, NUMBER_RE), False).to_numpy(
                zero_copy_only=False
            )
            rules = np.where(failed & number, RULES["money_places"], RULES["money"])
        return Parsed(text, typed, failed, rules)
    elif kind == "decimal":
        ok = pc.fill_null(pc.match_substring_regex(text, NUMBER_RE), False)
        typed = pc.cast(pc.if_else(ok, text, pa.scalar(None, pa.string())), pa.float64())
        if kind == "decimal":  # numeric(12,4) holds 8 integer digits: reject, never fail the COPY
            fits = pc.fill_null(pc.less(pc.abs(typed), MAX_DECIMAL), True)
            too_big = pc.invert(fits).to_numpy(zero_copy_only=False)
            if too_big.any():
                typed = pc.if_else(fits, typed, pa.scalar(None, pa.float64()))
                failed = pc.and_(present, pc.is_null(typed)).to_numpy(zero_copy_only=False)
                rules = np.where(too_big, RULES["decimal_range"], RULES["decimal"])
                return Parsed(text, typed, failed, rules)
    elif kind == "int":
        ok = pc.fill_null(pc.match_substring_regex(text, INT_RE), False)
        typed = pc.cast(pc.if_else(ok, text, pa.scalar(None, pa.string())), pa.int64())
    elif kind == "bool":
        is_true = pc.fill_null(pc.is_in(text, pa.array(TRUE_VALUES)), False)
        is_false = pc.fill_null(pc.is_in(text, pa.array(FALSE_VALUES)), False)
        typed = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
        text = pc.if_else(is_true, "true", pc.if_else(is_false, "false", pa.scalar(None, pa.string())))
    else:  # pragma: no cover - contracts only use the kinds above
        raise ValueError(f"unknown kind {kind}")
    failed = pc.and_(present, pc.is_null(typed)).to_numpy(zero_copy_only=False)
    return Parsed(text, typed, failed, RULES[kind])


# ---------------------------------------------------------------- validation


@dataclass
class Validated:
    """The outcome for one batch of landed rows."""

    valid: pa.Table  # contract columns as text + provenance (+ _day)
    rejects: pa.Table  # reject records
    rejected_rows: np.ndarray  # bool per input row
    collapsed_rows: np.ndarray  # bool per input row (exact duplicate dimension versions)


def typed_frame(typed: dict[str, pa.Array]) -> pd.DataFrame:
    mapper = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get
    table = pa.table(typed)
    df = table.to_pandas(types_mapper=mapper)
    for name, arr in typed.items():  # dates as pandas timestamps, as the model declares
        if pa.types.is_date32(arr.type):
            df[name] = pd.to_datetime(df[name]).astype("datetime64[us]")
    return df


def pandera_failures(table: SourceTable, df: pd.DataFrame) -> pd.DataFrame:
    """Lazy pandera validation: failure cases (column, check, failure_case, index), empty when valid."""
    try:
        table.model.validate(df, lazy=True)
    except pa_errors.SchemaErrors as exc:
        fc = exc.failure_cases
        bad = fc[fc["index"].isna()]
        if len(bad):  # a schema-level problem (dtype, missing column) is a bug in parsing, not bad data
            raise RuntimeError(f"contract {table.name}: schema failure {bad.to_dict('records')}") from None
        return fc
    return pd.DataFrame(
        columns=["schema_context", "column", "check", "check_number", "failure_case", "index"]
    )


_PANDERA_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^greater_than_or_equal_to\((.*)\)$"), "must be >= {0}"),
    (re.compile(r"^greater_than\((.*)\)$"), "must be > {0}"),
    (re.compile(r"^less_than_or_equal_to\((.*)\)$"), "must be <= {0}"),
    (re.compile(r"^less_than\((.*)\)$"), "must be < {0}"),
    (re.compile(r"^in_range\((.*), (.*)\)$"), "must be between {0} and {1}"),
    (re.compile(r"^isin\(\((.*)\)\)$"), "must be one of {0}"),
    (re.compile(r"^isin\(\[(.*)\]\)$"), "must be one of {0}"),
    (re.compile(r"^str_matches\('(.*)'\)$"), "does not match the pattern {0}"),
    (re.compile(r"^str_length\((.*), (.*)\)$"), "length must be between {0} and {1} characters"),
)


def _rule(check: str) -> str:
    """A rule a person reads: our parse rules by name, pandera's checks rewritten, the raw name kept."""
    if check in RULES:
        return RULES[check]
    for pattern, text in _PANDERA_RULES:
        m = pattern.match(check)
        if m:
            args = [a.replace("'", "").replace(" 00:00:00", "") for a in m.groups()]
            return f"{text.format(*args)} [{check}]"
    return check


def _raw_records(raw: pa.Table, rows: np.ndarray, export_cols: list[str]) -> list[str]:
    """The rejected rows as the CSV text of their export columns (rejects only: small)."""
    sub = raw.select(export_cols).take(pa.array(rows, pa.int64()))
    out = []
    for rec in sub.to_pylist():
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(["" if v is None else v for v in rec.values()])
        out.append(buf.getvalue())
    return out


class SeenKeys:
    """Keys staged from earlier slices of the same landed file, so the first still wins."""

    def __init__(self) -> None:
        self.keys: list[pa.Array] = []
        self.lines: list[np.ndarray] = []
        self._all: pa.Array | None = None

    def add(self, keys: pa.Array | pa.ChunkedArray, lines: np.ndarray) -> None:
        if isinstance(keys, pa.ChunkedArray):
            keys = keys.combine_chunks()
        self.keys.append(keys)
        self.lines.append(lines)
        self._all = None

    def lookup(self, keys: pa.Array) -> pa.Array:
        if self._all is None:
            self._all = pa.concat_arrays(self.keys)
        return pc.index_in(keys, value_set=self._all)

    def line_at(self, positions: np.ndarray) -> np.ndarray:
        return np.concatenate(self.lines)[positions]


def validate(table: SourceTable, raw: pa.Table, group: np.ndarray, seen: SeenKeys | None = None) -> Validated:
    """Parse and validate landed text rows.

    ``raw`` holds the landed columns as text, ``_source_file``, ``_source_line`` and (event
    tables) ``_day``; ``group`` numbers the landed file each row came from, which scopes
    "first wins" for duplicate keys.
    """
    n = raw.num_rows
    kinds = table.column_kinds()
    names = set(raw.column_names)
    parsed: dict[str, Parsed] = {}
    for col, kind in kinds.items():
        arr = raw.column(col) if col in names else pa.nulls(n, pa.string())
        parsed[col] = parse_column(pc.cast(arr, pa.string()), kind)

    # cell records: (row, column, value, rule)
    rec_rows: list[np.ndarray] = []
    rec_cols: list[np.ndarray] = []
    rec_rules: list[np.ndarray] = []
    cell_failed = np.zeros(n, dtype=bool)
    failed_cells: set[tuple[int, str]] = set()
    for col, p in parsed.items():
        idx = np.flatnonzero(p.failed)
        if len(idx):
            rec_rows.append(idx)
            rec_cols.append(np.full(len(idx), col, dtype=object))
            rules = p.rules[idx] if isinstance(p.rules, np.ndarray) else np.full(len(idx), p.rules)
            rec_rules.append(rules.astype(object))
            cell_failed[idx] = True
            failed_cells.update((int(i), col) for i in idx)

    df = typed_frame({c: p.typed for c, p in parsed.items()})
    fc = pandera_failures(table, df)
    if len(fc):
        fc = fc.assign(index=fc["index"].astype("int64"))
        is_frame = fc["schema_context"] == "DataFrameSchema"
        col_fc = fc[~is_frame]
        if failed_cells:
            keep = [
                (int(i), c) not in failed_cells
                for i, c in zip(col_fc["index"], col_fc["column"], strict=True)
            ]
            col_fc = col_fc[np.asarray(keep, dtype=bool)]
        if len(col_fc):
            rec_rows.append(col_fc["index"].to_numpy())
            rec_cols.append(col_fc["column"].to_numpy(dtype=object))
            rec_rules.append(col_fc["check"].map(_rule).to_numpy(dtype=object))
            cell_failed[col_fc["index"].to_numpy()] = True
        frame_fc = fc[is_frame].drop_duplicates(["index", "check"])
        frame_fc = frame_fc[~cell_failed[frame_fc["index"].to_numpy()]]
        if len(frame_fc):
            rec_rows.append(frame_fc["index"].to_numpy())
            rec_cols.append(np.full(len(frame_fc), None, dtype=object))
            rec_rules.append(frame_fc["check"].astype(str).to_numpy(dtype=object))
    rejected = cell_failed.copy()
    for rows in rec_rows:
        rejected[rows] = True

    # exact duplicate dimension versions collapse; duplicate keys: the first valid row wins
    collapsed = np.zeros(n, dtype=bool)
    lines = raw.column(SOURCE_LINE).to_numpy().astype(np.int64)
    label = table.key
    if table.is_event:
        key_cols = [table.key]
        scope = group
    else:
        text_frame = pd.DataFrame({c: parsed[c].text.to_pandas() for c in kinds})
        collapsed = text_frame.duplicated(keep="first").to_numpy()
        rejected &= ~collapsed
        key_cols = [table.key, "updated_at"]
        label = " + ".join(key_cols)
        scope = np.zeros(n, dtype=np.int64)
    candidate = ~rejected & ~collapsed
    for c in key_cols:
        candidate &= pc.is_valid(parsed[c].text).to_numpy(zero_copy_only=False)
    cand_idx = np.flatnonzero(candidate)

    def reject_dups(dup_idx: np.ndarray, first_where: list[str]) -> None:
        rec_rows.append(dup_idx)
        rec_cols.append(np.full(len(dup_idx), table.key, dtype=object))
        rec_rules.append(
            np.asarray([f"duplicate key {label} (first seen at {w})" for w in first_where], dtype=object)
        )
        rejected[dup_idx] = True

    if seen is not None and seen.keys and len(cand_idx):
        pos = seen.lookup(parsed[table.key].text.take(pa.array(cand_idx, pa.int64())))
        hit = pc.is_valid(pos).to_numpy(zero_copy_only=False)
        if hit.any():
            first_lines = seen.line_at(pc.filter(pos, pa.array(hit)).to_numpy())
            reject_dups(cand_idx[hit], [f"line {ln}" for ln in first_lines])
            cand_idx = cand_idx[~hit]
    if len(cand_idx):
        keys = pd.DataFrame(
            {c: parsed[c].text.take(pa.array(cand_idx, pa.int64())).to_pandas() for c in key_cols}
        )
        keys["_scope"] = scope[cand_idx]
        dup = keys.duplicated(keep="first").to_numpy()
        if dup.any():
            firsts = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
            first_pos = pd.Series(np.arange(len(keys))).groupby(firsts).transform("first").to_numpy()
            dup_idx = cand_idx[dup]
            first_idx = cand_idx[first_pos[dup]]
            files = raw.column(SOURCE_FILE)
            where = [
                f"line {lines[f]}"
                if files[int(f)] == files[int(d)]
                else f"{files[int(f)].as_py()} line {lines[f]}"
                for d, f in zip(dup_idx, first_idx, strict=True)
            ]
            reject_dups(dup_idx, where)
    if collapsed.any():  # a collapsed copy is the same version: its reject records go with it
        for i, rows in enumerate(rec_rows):
            keep_rec = ~collapsed[rows]
            rec_rows[i], rec_cols[i], rec_rules[i] = (
                rows[keep_rec],
                rec_cols[i][keep_rec],
                rec_rules[i][keep_rec],
            )

    keep = ~rejected & ~collapsed
    out_cols = {c: parsed[c].text for c in kinds}
    out_cols[SOURCE_FILE] = raw.column(SOURCE_FILE)
    out_cols[SOURCE_LINE] = raw.column(SOURCE_LINE)
    if table.is_event:
        out_cols[DAY_COLUMN] = raw.column(DAY_COLUMN)
    valid = pa.table(out_cols).filter(pa.array(keep))
    rejects = _reject_table(table, raw, parsed, rec_rows, rec_cols, rec_rules)
    return Validated(valid, rejects, rejected, collapsed)


def _reject_table(
    table: SourceTable,
    raw: pa.Table,
    parsed: dict[str, Parsed],
    rec_rows: list[np.ndarray],
    rec_cols: list[np.ndarray],
    rec_rules: list[np.ndarray],
) -> pa.Table:
    rows = np.concatenate(rec_rows).astype(np.int64) if rec_rows else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(rec_cols) if rec_cols else np.zeros(0, dtype=object)
    rules = np.concatenate(rec_rules) if rec_rules else np.zeros(0, dtype=object)
    order = np.lexsort((cols.astype(str), rows)) if len(rows) else rows
    rows, cols, rules = rows[order], cols[order], rules[order]
    export_cols = [c for c in raw.column_names if c not in (*PROVENANCE, DAY_COLUMN)]
    uniq, inverse = np.unique(rows, return_inverse=True)
    raw_text = np.asarray(_raw_records(raw, uniq, export_cols), dtype=object)[inverse] if len(rows) else []
    raw_values = {
        c: dict(zip(uniq.tolist(), raw.column(c).take(pa.array(uniq, pa.int64())).to_pylist(), strict=True))
        for c in parsed
        if c in raw.column_names and len(uniq)
    }
    values = [
        (None if c is None or c not in raw_values else (raw_values[c][r] or None))
        for r, c in zip(rows.tolist(), cols, strict=True)
    ]
    take = pa.array(rows, pa.int64())
    out = {}
    if table.is_event:
        out[DAY_COLUMN] = raw.column(DAY_COLUMN).take(take)
    out["source_file"] = raw.column(SOURCE_FILE).take(take)
    out["source_line"] = raw.column(SOURCE_LINE).take(take)
    out["column_name"] = pa.array(list(cols), pa.string())
    out["value"] = pa.array(values, pa.string())
    out["rule"] = pa.array([str(r) for r in rules], pa.string())
    out["raw_record"] = pa.array(list(raw_text), pa.string())
    return pa.table(out)


# ---------------------------------------------------------------- reading landed files


def fingerprint(path: Path) -> str:
    """Size and sha1 of a file: equal fingerprints mean the landed day did not change."""
    h = hashlib.sha1()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return f"{path.stat().st_size}:{h.hexdigest()}"


def _display(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def read_landed(table: SourceTable, path: Path, day: dt.date | None) -> pa.Table:
    """A landed file as text with provenance (and ``_day``); its own name when it has no provenance."""
    if SOURCE_LINE in read_header(path, _display(path)):
        # written by the importer: lines are known, so one multi-threaded read of the whole file
        names, data = read_text_fast(path, _display(path))
    else:
        names, data = read_text_table(path, _display(path))
    check_columns(names, table, _display(path))
    if SOURCE_FILE not in names:
        data = data.append_column(SOURCE_FILE, pa.array([_display(path)] * data.num_rows, pa.string()))
    else:
        data = data.set_column(
            data.column_names.index(SOURCE_LINE),
            SOURCE_LINE,
            pc.cast(pc.cast(data.column(SOURCE_LINE), pa.string()), pa.int64()),
        )
    keep = [c for c in data.column_names if c in table.columns or c in PROVENANCE]
    data = data.select(keep)
    if table.is_event:
        data = data.append_column(DAY_COLUMN, pa.array([day] * data.num_rows, pa.date32()))
    return data


def _concat(tables: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(tables, promote_options="permissive")


# ---------------------------------------------------------------- loading


@dataclass
class DayStats:
    day: dt.date
    fingerprint: str
    rows_read: int = 0
    rows_staged: int = 0
    rows_rejected: int = 0
    rows_collapsed: int = 0


@dataclass
class LoadStats:
    """What one load did: the asset's metadata and the staged = read check come from here."""

    table: str
    days_loaded: list[dt.date] = field(default_factory=list)
    days_skipped: list[dt.date] = field(default_factory=list)
    rows_read: int = 0
    rows_staged: int = 0
    rows_rejected: int = 0
    rows_collapsed: int = 0
    reject_records: int = 0
    rejects_preview: pa.Table | None = None
    staged_preview: pa.Table | None = None

    def add(self, s: DayStats) -> None:
        self.rows_read += s.rows_read
        self.rows_staged += s.rows_staged
        self.rows_rejected += s.rows_rejected
        self.rows_collapsed += s.rows_collapsed


PREVIEW_ROWS = 10


def _ledger(conn: psycopg.Connection, table: str) -> dict[dt.date, str]:
    rows = conn.execute(
        "SELECT day, fingerprint FROM ops.staging_loads WHERE table_name = %s", (table,)
    ).fetchall()
    return {d: fp for d, fp in rows}


def _upsert_ledger(conn: psycopg.Connection, table: str, stats: Iterable[DayStats]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO ops.staging_loads "
            "(table_name, day, fingerprint, rows_read, rows_staged, rows_rejected) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (table_name, day) DO UPDATE SET "
            "fingerprint = excluded.fingerprint, rows_read = excluded.rows_read, "
            "rows_staged = excluded.rows_staged, rows_rejected = excluded.rows_rejected",
            [(table, s.day, s.fingerprint, s.rows_read, s.rows_staged, s.rows_rejected) for s in stats],
        )


def stage_files(table: SourceTable, files: dict[dt.date, Path]) -> tuple[Validated, pa.Table, np.ndarray]:
    """Read and validate landed files together (one pandera pass): result, raw rows, file number."""
    tables, groups = [], []
    for i, (day, path) in enumerate(sorted(files.items())):
        t = read_landed(table, path, day if table.is_event else None)
        tables.append(t)
        groups.append(np.full(t.num_rows, i, dtype=np.int64))
    raw = _concat(tables) if tables else None
    group = np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)
    if raw is None or raw.num_rows == 0:
        raw = raw if raw is not None else pa.table({SOURCE_FILE: pa.array([], pa.string())})
        empty = pa.table({})
        return Validated(empty, empty, np.zeros(0, bool), np.zeros(0, bool)), raw, group
    return validate(table, raw, group), raw, group


def _copy(conn: psycopg.Connection, target: str, data: pa.Table) -> None:
    if data.num_rows:
        postgres.copy_arrow(conn, target, data)


CHUNK_ROWS = 200_000
_CSV_OUT = pacsv.WriteOptions(include_header=False, quoting_style="needed")


def _chunks(
    src: SourceTable, files: dict[dt.date, Path]
) -> Iterator[tuple[pa.Table, np.ndarray, SeenKeys | None]]:
    """Landed rows in file order, in chunks of about ``CHUNK_ROWS``: small files are grouped,
    a big file is sliced (its slices share a ``SeenKeys`` so the first of a key still wins)."""
    pending: list[pa.Table] = []
    groups: list[np.ndarray] = []
    size = 0

    def flush() -> tuple[pa.Table, np.ndarray, None]:
        nonlocal pending, groups, size
        out = (_concat(pending), np.concatenate(groups), None)
        pending, groups, size = [], [], 0
        return out

    for i, (day, path) in enumerate(sorted(files.items())):
        t = read_landed(src, path, day)
        if t.num_rows > CHUNK_ROWS:
            if pending:
                yield flush()
            seen = SeenKeys()
            for start in range(0, t.num_rows, CHUNK_ROWS):
                part = t.slice(start, CHUNK_ROWS)
                yield part, np.full(part.num_rows, i, dtype=np.int64), seen
            continue
        pending.append(t)
        groups.append(np.full(t.num_rows, i, dtype=np.int64))
        size += t.num_rows
        if size >= CHUNK_ROWS:
            yield flush()
    if pending:
        yield flush()


def _load_events(
    conn: psycopg.Connection,
    src: SourceTable,
    files: dict[dt.date, Path],
    fps: dict[dt.date, str],
    stats: LoadStats,
) -> list[DayStats]:
    """Replace the changed days: one COPY fed chunk by chunk from a writer thread, so the server
    ingests a chunk while the next one is parsed and validated (the two cores work together)."""
    target = f"staging.{src.name}"
    for t in (target, f"{target}_rejects"):
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(
                postgres.table_identifier(t), sql.Identifier(DAY_COLUMN)
            ),
            (sorted(files),),
        )
    n = len(files)
    read, rej = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    reject_parts: list[pa.Table] = []
    columns = src.columns + [SOURCE_FILE, SOURCE_LINE, DAY_COLUMN]
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER false)").format(
        postgres.table_identifier(target), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with conn.cursor() as cur, cur.copy(stmt, writer=QueuedLibpqWriter(cur)) as copy:
        for raw, group, seen in _chunks(src, files):
            if not raw.num_rows:
                read += np.bincount(group, minlength=n) if len(group) else 0
                continue
            result = validate(src, raw, group, seen)
            if seen is not None:
                seen.add(result.valid.column(src.key), result.valid.column(SOURCE_LINE).to_numpy())
            read += np.bincount(group, minlength=n)
            rej += np.bincount(group[result.rejected_rows], minlength=n)
            if result.valid.num_rows:
                buf = io.BytesIO()
                pacsv.write_csv(result.valid.select(columns), buf, write_options=_CSV_OUT)
                copy.write(buf.getbuffer())
                if stats.staged_preview is None:
                    stats.staged_preview = result.valid.slice(0, PREVIEW_ROWS)
            if result.rejects.num_rows:
                reject_parts.append(result.rejects)
    if reject_parts:
        rejects = pa.concat_tables(reject_parts)
        _copy(conn, f"{target}_rejects", rejects)
        stats.reject_records = rejects.num_rows
        stats.rejects_preview = rejects.slice(0, PREVIEW_ROWS)
    return [
        DayStats(day, fps[day], int(read[i]), int(read[i] - rej[i]), int(rej[i]))
        for i, day in enumerate(sorted(files))
    ]


def load_days(conn: psycopg.Connection, table: str | SourceTable, days: dict[dt.date, Path]) -> LoadStats:
    """Stage landed files into ``staging.<table>`` inside the caller's transaction.

    Event tables: each changed day is replaced (rows and rejects), unchanged days skipped.
    Dimension sources: every landed export file is one version set; when any file changed,
    the whole table is replaced from all of them (exact duplicate versions collapse).
    """
    src = SOURCE_TABLES[table] if isinstance(table, str) else table
    name = src.name
    fps = {d: fingerprint(p) for d, p in days.items()}
    ledger = _ledger(conn, name)
    stats = LoadStats(name)
    if src.is_event:
        changed = {d: p for d, p in days.items() if ledger.get(d) != fps[d]}
        stats.days_skipped = sorted(set(days) - set(changed))
    else:
        changed = dict(days) if ledger != fps else {}
        stats.days_skipped = sorted(days) if not changed else []
    stats.days_loaded = sorted(changed)
    if not changed:
        return stats
    if src.is_event:
        per_day = _load_events(conn, src, changed, fps, stats)
    else:
        per_day = _load_dimension(conn, src, changed, fps, stats)
    for s in per_day:
        stats.add(s)
    _upsert_ledger(conn, name, per_day)
    return stats


def _load_dimension(
    conn: psycopg.Connection,
    src: SourceTable,
    files: dict[dt.date, Path],
    fps: dict[dt.date, str],
    stats: LoadStats,
) -> list[DayStats]:
    """Replace the whole dimension source table from every landed export (small: one pass)."""
    result, raw, group = stage_files(src, files)
    per_file = _per_file_stats(src, files, fps, raw, group, result)
    target = f"staging.{src.name}"
    for t in (target, f"{target}_rejects"):
        conn.execute(sql.SQL("DELETE FROM {}").format(postgres.table_identifier(t)))
    conn.execute("DELETE FROM ops.staging_loads WHERE table_name = %s", (src.name,))
    if result.valid.num_columns:
        _copy(conn, target, result.valid)
        _copy(conn, f"{target}_rejects", result.rejects)
        stats.reject_records = result.rejects.num_rows
        stats.staged_preview = result.valid.slice(0, PREVIEW_ROWS)
        stats.rejects_preview = result.rejects.slice(0, PREVIEW_ROWS)
    return per_file


def _per_file_stats(
    src: SourceTable,
    files: dict[dt.date, Path],
    fps: dict[dt.date, str],
    raw: pa.Table,
    group: np.ndarray,
    result: Validated,
) -> list[DayStats]:
    ordered = sorted(files)
    n = len(ordered)
    read = np.bincount(group, minlength=n) if len(group) else np.zeros(n, dtype=np.int64)
    rej = np.bincount(group[result.rejected_rows], minlength=n) if len(group) else np.zeros(n, dtype=np.int64)
    col = (
        np.bincount(group[result.collapsed_rows], minlength=n) if len(group) else np.zeros(n, dtype=np.int64)
    )
    out = []
    for i, day in enumerate(ordered):
        out.append(
            DayStats(
                day,
                fps[day],
                rows_read=int(read[i]),
                rows_staged=int(read[i] - rej[i] - col[i]),
                rows_rejected=int(rej[i]),
                rows_collapsed=int(col[i]),
            )
        )
    return out
