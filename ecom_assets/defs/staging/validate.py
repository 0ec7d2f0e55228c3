"""Validate landed text rows against the contract: staged rows, rejected lines, normalizations.

One pass per batch of landed rows (``read.py`` yields them): every column parsed by its kind
(``lib/values/``), the contract's column rules and row rules applied as vectorised checks
(``rules.py``), event days held to the accepted window (``lib/window.py``), duplicate keys left
to their first row. A rejected line becomes ONE reject row naming the first column at fault,
its value, every rule the line broke (each once) and, in ``problems``, each of them with its
column, value and class; faults found while reading (a line cut off, bytes that are not UTF-8,
...) arrive as ``_fault`` columns and are rejected the same way, with their raw bytes.
Nothing is dropped: rows read = staged + rejected (+ exact duplicate dimension versions, which
collapse to one).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.defs.staging import rejects
from ecom_assets.defs.staging import rules as rules_mod
from ecom_assets.defs.staging.read import (
    FAULT,
    FAULT_COLUMN,
    FAULT_RULE,
    SOURCE_FILE,
    SOURCE_LINE,
)
from ecom_assets.lib import values
from ecom_assets.lib.contracts import DAY_COLUMN, SourceTable
from ecom_assets.lib.values.common import first_of_equal, row_codes
from ecom_assets.lib.window import Window

# problem classes (the report and the run summary group rejects by these)
PARSE, REQUIRED, RULE, ROW_RULE, WINDOW, DUPLICATE = (
    "unparsable", "required", "rule", "row_rule", "window", "duplicate_key"
)  # fmt: skip
PROBLEMS = {  # why a line was rejected, as the report and the run summary say it
    PARSE: "a value that does not parse as its type",
    REQUIRED: "a required value missing",
    RULE: "a value breaking a column rule of the contract",
    ROW_RULE: "a money identity or row rule broken",
    WINDOW: "an event date outside the accepted window",
    DUPLICATE: "a duplicate key (the first row wins)",
    "cut_off": "the last line cut off mid-write",
    "unclosed_quote": "a quoted value still open at the end of the file (cut off)",
    "too_few_fields": "fewer fields than the header",
    "too_many_fields": "more fields than the header",
    "invalid_utf8": "bytes that are not UTF-8",
    "nul_byte": "a NUL byte",
    "repeated_header": "the header line repeated inside the file",
    "order_outside_window": "its order dated outside the accepted window",
}
EXAMPLE_CHARS = 60


@dataclass
class Validated:
    """The outcome for one batch of landed rows."""

    valid: pa.Table  # contract columns as canonical text + provenance (+ _day)
    typed: pa.Table  # the same rows' columns that are not text, as parsed (what COPY sends)
    rejects: pa.Table  # one row per rejected line
    rejected_rows: np.ndarray  # bool per input row
    collapsed_rows: np.ndarray  # bool per input row (exact duplicate dimension versions)
    normalized: list[tuple[str, str, np.ndarray]] = field(default_factory=list)  # (class, column, rows)
    originals: dict[str, pa.Array] = field(default_factory=dict)  # raw text of normalized columns
    canonical: dict[str, pa.Array] = field(default_factory=dict)


@dataclass
class _Problems:
    """Problems found so far, one record per (row, column, rule); several per row allowed."""

    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    rules: list[np.ndarray] = field(default_factory=list)
    codes: list[np.ndarray] = field(default_factory=list)

    def add(self, rows: np.ndarray, column: str | None, rule: str | np.ndarray, code: str) -> None:
        if not len(rows):
            return
        self.rows.append(rows.astype(np.int64))
        self.cols.append(np.full(len(rows), column, dtype=object))
        self.rules.append(
            rule[rows].astype(object)
            if isinstance(rule, np.ndarray)
            else np.full(len(rows), rule, dtype=object)
        )
        self.codes.append(np.full(len(rows), code, dtype=object))

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if not self.rows:
            empty = np.zeros(0, dtype=object)
            return np.zeros(0, dtype=np.int64), empty, empty, empty
        return tuple(np.concatenate(x) for x in (self.rows, self.cols, self.rules, self.codes))  # type: ignore[return-value]


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


def _day_values(table: SourceTable, raw: pa.Table, parsed: dict[str, values.Parsed]) -> pa.Array:
    """The day each event row belongs to: its day column (UTC), else its landed day."""
    landed = raw.column(DAY_COLUMN).combine_chunks()
    if table.day_column and table.day_column in parsed:
        typed = parsed[table.day_column].typed
        days = pc.cast(typed, pa.date32()) if pa.types.is_timestamp(typed.type) else typed
        return pc.if_else(pc.is_valid(days), days, landed) if table.day_column == "snapshot_date" else days
    return landed


def validate(
    table: SourceTable,
    raw: pa.Table,
    group: np.ndarray,
    window: Window | None = None,
    seen: SeenKeys | None = None,
    threads: int = 1,
) -> Validated:
    """Parse and validate landed text rows (``group``: the landed file of each row).

    ``threads``: columns parsed side by side (Arrow's kernels let go of the GIL). A dimension
    load, during which the server waits, uses two; an event load, whose COPY keeps the other core
    busy, one."""
    n = raw.num_rows
    names = set(raw.column_names)
    schema = table.model.to_schema().columns
    places = table.places()
    problems = _Problems()
    cell_bad = np.zeros(n, dtype=bool)  # rows with a problem in some cell (row rules skip them)
    col_bad: dict[str, np.ndarray] = {}

    def parse(col: str) -> values.Parsed:
        arr = raw.column(col) if col in names else pa.nulls(n, pa.string())
        return values.parse(arr, schema[col].metadata["kind"], places.get(col))

    if threads > 1:
        with ThreadPoolExecutor(threads, thread_name_prefix="staging-parse") as pool:
            parsed = dict(zip(schema, pool.map(parse, schema), strict=True))
    else:
        parsed = {col: parse(col) for col in schema}
    for col, spec in schema.items():
        p = parsed[col]
        bad = p.failed.copy()
        problems.add(np.flatnonzero(p.failed), col, p.rules, PARSE)
        if spec.metadata["required"]:
            missing = p.missing
            problems.add(np.flatnonzero(missing & ~p.null_marker), col, "required value missing", REQUIRED)
            problems.add(
                np.flatnonzero(missing & p.null_marker),
                col,
                "required value missing (written as a null marker)",
                REQUIRED,
            )
            bad |= missing
        col_bad[col] = bad
        cell_bad |= bad
    if table.is_event and window is not None and DAY_COLUMN in names:
        # before the column rules: for an event's day the window is the rule that says why
        days = _day_values(table, raw, parsed)
        start, end = pa.scalar(window.start, pa.date32()), pa.scalar(window.end, pa.date32())
        outside = pc.fill_null(pc.or_(pc.less(days, start), pc.greater(days, end)), False)
        out_rows = np.flatnonzero(outside.to_numpy(zero_copy_only=False) & ~cell_bad)
        day_col = table.day_column if table.day_column in parsed else None
        problems.add(out_rows, day_col, window.rule(), WINDOW)
        cell_bad[out_rows] = True
        if day_col:
            col_bad[day_col][out_rows] = True
    for rule in rules_mod.column_rules(table):
        hit = rules_mod.broken(rule, parsed[rule.column].typed) & ~col_bad[rule.column]
        problems.add(np.flatnonzero(hit), rule.column, rule.rule, RULE)
        col_bad[rule.column] |= hit
        cell_bad |= hit
    if table.frame_rules:
        numbers = {c: rules_mod.as_numbers(p.typed) for c, p in parsed.items() if p.typed.type != pa.string()}
        for fr in table.frame_rules:
            holds = np.asarray(fr.holds({c: numbers[c] for c in fr.columns}), dtype=bool)
            problems.add(np.flatnonzero(~holds & ~cell_bad), None, fr.error, ROW_RULE)
    if FAULT in names:  # faults found while reading or landing the line: their only problem
        problems = _with_faults(problems, raw)

    rows_, _, _, _ = problems.flat()
    rejected = np.zeros(n, dtype=bool)
    rejected[rows_] = True
    collapsed = np.zeros(n, dtype=bool)
    # rows of equal key (events: within their landed file; dimension versions: key + updated_at)
    if table.is_event:
        codes = row_codes([parsed[table.key].text, group])
    else:  # an exact duplicate of a dimension version is the same version
        codes = row_codes(parsed[c].text for c in (table.key, "updated_at"))
        collapsed = _exact_duplicates(parsed, list(schema), codes) & ~rejected
    _duplicates(table, raw, parsed, codes, seen, rejected | collapsed, problems, rejected)

    keep = ~rejected & ~collapsed
    out_cols = {c: parsed[c].text for c in schema}
    out_cols[SOURCE_FILE] = raw.column(SOURCE_FILE)
    out_cols[SOURCE_LINE] = raw.column(SOURCE_LINE)
    if table.is_event:
        out_cols[DAY_COLUMN] = raw.column(DAY_COLUMN)
    valid = pa.table(out_cols)
    typed = pa.table({c: p.typed for c, p in parsed.items() if p.typed.type != pa.string()})
    if not keep.all():
        valid, typed = valid.filter(pa.array(keep)), typed.filter(pa.array(keep))
    normalized = [
        (code, col, np.flatnonzero(rows & keep))
        for col, p in parsed.items()
        for code, rows in p.normalized.items()
    ]
    normalized = [x for x in normalized if len(x[2])]
    used = {col for _, col, _ in normalized}
    return Validated(
        valid,
        typed,
        rejects.reject_table(table, raw, *problems.flat()),
        rejected,
        collapsed,
        normalized,
        {c: raw.column(c).combine_chunks() for c in used if c in names},
        {c: parsed[c].text for c in used},
    )


def _exact_duplicates(parsed: dict[str, values.Parsed], columns: list[str], pair: np.ndarray) -> np.ndarray:
    """Rows equal in every column to an earlier row. Equal rows share key and ``updated_at``
    (``pair``: their ``row_codes``), so only rows whose pair repeats are compared whole (usually
    none: a wide frame of every column cost 23 ms of staging customers' 0.10 s validation)."""
    out = np.zeros(len(pair), dtype=bool)
    if not len(pair):
        return out
    candidates = np.flatnonzero(np.bincount(pair)[pair] > 1)
    if len(candidates):
        take = pa.array(candidates, pa.int64())
        out[candidates] = first_of_equal(row_codes(parsed[c].text.take(take) for c in columns))[0]
    return out


def _with_faults(problems: _Problems, raw: pa.Table) -> _Problems:
    """A faulted line (cut off, not UTF-8, ...) has no trustworthy values: its fault replaces
    whatever its cells seemed to break."""
    faulted = np.asarray(pc.is_valid(raw.column(FAULT)).to_numpy(zero_copy_only=False), dtype=bool)
    rows = np.flatnonzero(faulted)
    if not len(rows):
        return problems
    r, c, ru, co = problems.flat()
    keep = ~faulted[r]
    out = _Problems([r[keep]], [c[keep]], [ru[keep]], [co[keep]])
    codes = np.asarray(raw.column(FAULT).to_pylist(), dtype=object)
    fault_rules = np.asarray(raw.column(FAULT_RULE).to_pylist(), dtype=object)
    columns = (
        raw.column(FAULT_COLUMN).to_pylist() if FAULT_COLUMN in raw.column_names else [None] * raw.num_rows
    )
    for i in rows.tolist():
        out.add(np.array([i]), columns[i], str(fault_rules[i]), str(codes[i]))
    return out


def _duplicates(
    table: SourceTable,
    raw: pa.Table,
    parsed: dict[str, values.Parsed],
    codes: np.ndarray,
    seen: SeenKeys | None,
    excluded: np.ndarray,
    problems: _Problems,
    rejected: np.ndarray,
) -> None:
    """Duplicate keys: the first valid row wins (events: within a landed file; dimension versions:
    key + updated_at over every landed export). ``codes``: equal where those are equal."""
    lines = raw.column(SOURCE_LINE).to_numpy().astype(np.int64)
    key_cols = [table.key] if table.is_event else [table.key, "updated_at"]
    label = " + ".join(key_cols)
    candidate = ~excluded
    for c in key_cols:
        candidate &= pc.is_valid(parsed[c].text).to_numpy(zero_copy_only=False)
    cand = np.flatnonzero(candidate)

    def reject(dup: np.ndarray, where: Iterable[str]) -> None:
        rule = np.asarray([f"duplicate key {label} (first seen at {w})" for w in where], dtype=object)
        full = np.full(len(rejected), None, dtype=object)
        full[dup] = rule
        problems.add(dup, table.key, full, DUPLICATE)
        rejected[dup] = True

    if seen is not None and seen.keys and len(cand):
        pos = seen.lookup(parsed[table.key].text.take(pa.array(cand, pa.int64())))
        hit = pc.is_valid(pos).to_numpy(zero_copy_only=False)
        if hit.any():
            first_lines = seen.line_at(pc.filter(pos, pa.array(hit)).to_numpy())
            reject(cand[hit], [f"line {ln}" for ln in first_lines])
            cand = cand[~hit]
    if not len(cand):
        return
    dup, first_pos = first_of_equal(codes[cand])
    if not dup.any():
        return
    dup_idx, first_idx = cand[dup], cand[first_pos[dup]]
    files = raw.column(SOURCE_FILE)
    where = [
        f"line {lines[f]}" if files[int(f)] == files[int(d)] else f"{files[int(f)].as_py()} line {lines[f]}"
        for d, f in zip(dup_idx, first_idx, strict=True)
    ]
    reject(dup_idx, where)


def example(v: Validated, raw: pa.Table, code: str, column: str, row: int) -> str:
    """One normalization, as a person reads it: file, line, column, before and after."""
    before = v.originals[column][row].as_py() if column in v.originals else None
    after = v.canonical[column][row].as_py()
    where = f"{raw.column(SOURCE_FILE)[row].as_py()} line {raw.column(SOURCE_LINE)[row].as_py()}"
    shown = repr(before)[:EXAMPLE_CHARS]
    return f"{where}, {column}: {shown} -> {'empty' if after is None else after}"
