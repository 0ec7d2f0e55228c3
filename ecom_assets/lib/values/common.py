"""What every value kind shares: the spellings, the canonical patterns, the rules a reject names,
the normalization classes, ``Parsed``, and the Arrow helpers the parsers are built from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NULL_MARKERS = ("NULL", "null", "None", "NaN", "NaT", "N/A", "\\N")
TRUE_SPELLINGS = ("true", "t", "yes", "y", "1")
FALSE_SPELLINGS = ("false", "f", "no", "n", "0")
CANONICAL_BOOLS = ("True", "False", "true", "false", "1", "0")
PLACES = {"money": 2, "decimal": 4, "int": 0}
# Digits before the decimal point that the column's type holds (money numeric(14,2), decimal
# numeric(12,4), int bigint): a longer number is a reject, never a failed COPY.
INT_DIGITS = {"money": 12, "decimal": 8, "int": 18}
MAX_INT_DIGITS = 15  # beyond, int64 arithmetic on units could overflow: "number too large"

# What a person reads about each normalization class (the report and the run summary).
NORMALIZATIONS = {
    "whitespace": "values with surrounding whitespace, trimmed",
    "null_marker": "nulls written as NULL/None/NaN/N/A/\\N, read as empty",
    "float_noise": "numbers that carried float noise, rounded to their declared decimals",
    "scientific": "numbers in scientific notation, read exactly",
    "int_fraction": "integers written with a zero fraction (3.0), read as integers",
    "iso_timestamp": "timestamps in ISO 8601 spelling (T, Z or an offset), read as UTC",
    "ts_precision": "timestamps with more than 6 fractional digits, truncated to microseconds",
    "date_as_timestamp": "timestamps written as a bare date, read as midnight",
    "date_with_time": "dates written with a midnight time, read as the date",
    "bool_spelling": "booleans spelled TRUE/yes/t/..., read as true/false",
}

YMD = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
CANONICAL = {
    "money": r"^-?\d+(?:\.\d{1,2})?$",
    "decimal": r"^-?\d+(?:\.\d{1,4})?$",
    "int": r"^-?\d{1,15}$",
    "date": rf"^{YMD}$",
    "ts": rf"^{YMD} (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{{1,6}})?$",
}

RULES = {
    "date": "unparsable date (expected YYYY-MM-DD)",
    "ts": "unparsable timestamp (expected YYYY-MM-DD HH:MM:SS[.ffffff], optionally with T and Z or an offset)",
    "money": "not a money amount (expected a number like 12.34)",
    "decimal": "not a number",
    "int": "not an integer",
    "bool": "not a boolean (expected true/false, yes/no, 1/0)",
    "too_large": "number too large for its column",
    "year_zero": "year 0000 does not exist (PostgreSQL's dates start at 0001-01-01)",
}


def too_large_rule(kind: str) -> str:
    return f"number too large (at most {INT_DIGITS[kind]} digits before the decimal point)"


def places_rule(places: int) -> str:
    unit = "a whole cent" if places == 2 else f"a multiple of {10.0**-places:g}"
    return f"more than {places} decimal(s): not within 1e-6 of {unit}"


@dataclass
class Parsed:
    """One text column parsed by its kind."""

    text: pa.Array  # canonical text: what rejects and previews show; null where absent or failed
    typed: pa.Array  # typed values for the checks; null where absent or failed
    missing: np.ndarray  # bool: no value (empty or a null marker)
    failed: np.ndarray  # bool: a value that does not parse
    rules: np.ndarray  # object: the rule text of each failed row (None elsewhere)
    null_marker: np.ndarray  # bool: written as a null marker
    normalized: dict[str, np.ndarray] = field(default_factory=dict)  # class -> bool per row


def mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def null_of(t: pa.DataType) -> pa.Scalar:
    return pa.scalar(None, t)


def split_canonical(text: pa.Array, pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows whose value matches the canonical pattern, rows present that do not)."""
    ok = mask(pc.match_substring_regex(text, pattern))
    return ok, mask(pc.is_valid(text)) & ~ok


def scatter(
    n: int, rows: np.ndarray, values: pa.Array, t: pa.DataType, base: pa.Array | None = None
) -> pa.Array:
    """``base`` with ``values`` put at ``rows`` (null elsewhere when there is no base)."""
    out = base if base is not None else pa.nulls(n, t)
    if not len(rows):
        return out
    idx = np.full(n, -1, dtype=np.int64)
    idx[rows] = np.arange(len(rows))
    take = pc.take(values, pa.array(np.where(idx >= 0, idx, 0)))
    return pc.if_else(pa.array(idx >= 0), take, out)


def or_default(arr: pa.Array, default: str) -> pa.Array:
    return pc.if_else(pc.equal(arr, ""), default, arr)


def rows_mask(n: int, rows: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[rows] = True
    return out


def int_digits(arr: pa.Array) -> np.ndarray:
    """Digit strings (possibly empty) as int64."""
    filled = pc.if_else(pc.equal(pc.fill_null(arr, ""), ""), "0", pc.fill_null(arr, "0"))
    return pc.cast(filled, pa.int64()).to_numpy(zero_copy_only=False)


def row_codes(columns: Iterable[pa.Array | pa.ChunkedArray | np.ndarray]) -> np.ndarray:
    """One integer per row, equal exactly where the rows are equal in every column (null equal to
    null): each column's dictionary indices, folded in one column at a time and made dense again.
    pandas' ``duplicated`` on the same columns converted every value to a Python string first
    (staging's duplicate rules and the rejects' one-rule-once use it)."""
    codes = None
    for col in columns:
        if isinstance(col, np.ndarray):
            idx = np.unique(col, return_inverse=True)[1].astype(np.int64).ravel()
            width = int(idx.max()) + 1 if len(idx) else 1
        else:
            if isinstance(col, pa.ChunkedArray):  # one dictionary for the column, not one per chunk
                col = col.combine_chunks()
            enc = pc.dictionary_encode(col, null_encoding="encode")
            idx = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            width = max(len(enc.dictionary), 1)
        codes = idx if codes is None else np.unique(codes * width + idx, return_inverse=True)[1].ravel()
    assert codes is not None
    return codes


def first_of_equal(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows equal to an earlier row, the first row equal to each row) for ``row_codes``."""
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    first_of_row = first[inverse.ravel()]
    return first_of_row != np.arange(len(codes)), first_of_row
