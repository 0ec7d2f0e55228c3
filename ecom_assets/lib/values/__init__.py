"""Values as exports write them -> the contract's types, exactly, saying what was normalized.

Each contract kind (id, text, money, decimal, int, date, ts, bool) has one parser over a whole
text column (``pyarrow.compute``, no per-row Python). Clean values take one regex and one cast;
only the values that miss the canonical spelling go through the loose path, so an export
without quirks costs what it did. What is unambiguous is read (DATA_CONTRACT.md, types):

- surrounding whitespace is dropped; empty, ``NULL``, ``null``, ``None``, ``NaN``, ``NaT``,
  ``N/A`` and ``\\N`` are null (a reject in a required column, counted by the caller);
- decimals are parsed as digits, never through a binary float: a value within 1e-6 of a whole
  unit of its declared places (``1126.1999999999998`` for money) is that amount, counted as
  ``float_noise``; a true sub-unit amount (``12.345``) fails with a rule naming the places;
  scientific notation is read exactly (rare: per value, with ``decimal.Decimal``);
- integers may carry a zero or float-noise fraction (``3.0``);
- timestamps may use ``T``, end in ``Z`` or an offset (converted to UTC), omit the seconds, carry
  more than 6 fractional digits (truncated to microseconds) or be a bare date (midnight);
- dates may carry a midnight time; booleans are read case-insensitively from
  true/false/t/f/yes/no/y/n/1/0.

Every parse returns the canonical text (what rejects, previews and normalization examples show),
a typed array for the contract's checks and for the binary COPY (``lib/pg_binary.py``, which
stores exactly what the canonical text would), which rows failed and why, and per normalization
class which rows it applied to.
The package: ``common`` (spellings, rules, ``Parsed``, Arrow helpers), ``numbers`` (money,
decimal, int), ``times`` (date, ts); booleans and the dispatch (``parse``, ``parse_day``) here.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.values import numbers, times
from ecom_assets.lib.values.common import (
    CANONICAL,
    CANONICAL_BOOLS,
    FALSE_SPELLINGS,
    INT_DIGITS,
    MAX_INT_DIGITS,
    NORMALIZATIONS,
    NULL_MARKERS,
    PLACES,
    RULES,
    TRUE_SPELLINGS,
    Parsed,
    mask,
    null_of,
    places_rule,
    too_large_rule,
)
from ecom_assets.lib.values.times import parse_timestamps

__all__ = [
    "CANONICAL",
    "CANONICAL_BOOLS",
    "FALSE_SPELLINGS",
    "INT_DIGITS",
    "MAX_INT_DIGITS",
    "NORMALIZATIONS",
    "NULL_MARKERS",
    "PLACES",
    "RULES",
    "TRUE_SPELLINGS",
    "Parsed",
    "parse",
    "parse_day",
    "parse_timestamps",
    "places_rule",
    "too_large_rule",
]


def parse(raw: pa.Array | pa.ChunkedArray, kind: str, places: int | None = None) -> Parsed:
    """Parse a text column of contract kind ``kind`` (``places`` overrides the kind's decimals)."""
    raw, whitespace, text, marker, present_mask = _present(raw)
    n = len(raw)
    normalized = {"whitespace": whitespace}
    if marker.any():
        normalized["null_marker"] = marker
    failed = np.zeros(n, dtype=bool)
    rules = np.full(n, None, dtype=object)
    if kind in ("id", "text"):
        return Parsed(text, text, ~present_mask, failed, rules, marker, normalized)
    parser = {
        "money": numbers.parse_decimals,
        "decimal": numbers.parse_decimals,
        "int": numbers.parse_decimals,
        "date": times.parse_dates,
        "ts": times.parse_ts,
        "bool": parse_bools,
    }[kind]
    p = places if places is not None else PLACES.get(kind, 0)
    out_text, typed, bad, bad_rules, extra = parser(text, kind, p)
    failed = bad & present_mask
    rules[failed] = bad_rules[failed]
    for name, rows in extra.items():
        normalized[name] = rows & present_mask & ~failed
    return Parsed(out_text, typed, ~present_mask, failed, rules, marker, normalized)


# First bytes of the UTF-8 encodings of the White_Space code points beyond ASCII (U+0085,
# U+00A0; U+1680, U+180E; U+2000..U+205F; U+3000): a value starting with one may need trimming.
_SPACE_LEADS = np.array([0xC2, 0xE1, 0xE2, 0xE3], dtype=np.uint8)
_MARKER_FIRSTS = np.array(sorted({m.encode()[0] for m in NULL_MARKERS}), dtype=np.uint8)
_MARKER_LENGTHS = (min(len(m) for m in NULL_MARKERS), max(len(m) for m in NULL_MARKERS))


def _present(
    raw: pa.Array | pa.ChunkedArray,
) -> tuple[pa.Array, np.ndarray, pa.Array, np.ndarray, np.ndarray]:
    """(raw as text, rows whose whitespace was trimmed, the present values trimmed: null where
    empty or a null marker, null-marker rows, present rows).

    Most columns have no value that starts or ends with whitespace and no null marker: that is
    seen from the bytes at the values' edges and their lengths (numpy over the Arrow buffers),
    and such a column skips the trim, the marker lookup and the comparison that found what the
    trim changed (1.2 of a text column's 1.7 ms at 28k rows; the same share of every column of
    every load). Any value that might start or end with whitespace (an ASCII control or space, a
    byte that may begin or end a non-ASCII space) sends the column the full way."""
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    raw = pc.cast(raw, pa.string())
    n = len(raw)
    buffers = raw.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=n + 1, offset=raw.offset * 4) if n else None
    if offsets is None or buffers[2] is None:
        return _present_trimmed(raw)
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    lengths = np.diff(offsets)
    filled = lengths > 0
    first, last = data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]
    if (
        (first < 0x21).any()
        or (last < 0x21).any()
        or (last >= 0x80).any()
        or np.isin(first, _SPACE_LEADS).any()
    ):
        return _present_trimmed(raw)
    valid = np.ones(n, dtype=bool) if not raw.null_count else mask(pc.is_valid(raw))
    marker = np.zeros(n, dtype=bool)
    maybe = np.flatnonzero(valid & (lengths >= _MARKER_LENGTHS[0]) & (lengths <= _MARKER_LENGTHS[1]))
    if len(maybe):
        maybe = maybe[np.isin(data[offsets[:-1][maybe]], _MARKER_FIRSTS)]
    if len(maybe):
        found = mask(pc.is_in(raw.take(pa.array(maybe, pa.int64())), value_set=pa.array(NULL_MARKERS)))
        marker[maybe[found]] = True
    present = valid & (lengths > 0) & ~marker
    text = raw if present.all() else pc.if_else(pa.array(present), raw, null_of(pa.string()))
    return raw, np.zeros(n, dtype=bool), text, marker, present


def _present_trimmed(raw: pa.Array) -> tuple[pa.Array, np.ndarray, pa.Array, np.ndarray, np.ndarray]:
    """``_present`` the full way: trim every value, look every value up among the null markers."""
    trimmed = pc.utf8_trim_whitespace(raw)
    whitespace = mask(pc.and_(pc.is_valid(raw), pc.not_equal(trimmed, raw)))
    marker = mask(pc.is_in(trimmed, value_set=pa.array(NULL_MARKERS)))
    empty = mask(pc.equal(trimmed, "")) | ~mask(pc.is_valid(raw))
    present = ~(marker | empty)
    return raw, whitespace, pc.if_else(pa.array(present), trimmed, null_of(pa.string())), marker, present


def parse_bools(text: pa.Array, kind: str, places: int) -> tuple:
    lower = pc.utf8_lower(text)
    is_true = mask(pc.is_in(lower, value_set=pa.array(TRUE_SPELLINGS)))
    is_false = mask(pc.is_in(lower, value_set=pa.array(FALSE_SPELLINGS)))
    typed = pa.array(np.where(is_true, True, False), pa.bool_())
    typed = pc.if_else(pa.array(is_true | is_false), typed, null_of(pa.bool_()))
    out_text = pc.if_else(
        pa.array(is_true), "true", pc.if_else(pa.array(is_false), "false", null_of(pa.string()))
    )
    canonical = mask(pc.is_in(text, value_set=pa.array(CANONICAL_BOOLS)))
    failed = ~(is_true | is_false)
    rules = np.where(failed, RULES["bool"], None).astype(object)
    return out_text, typed, failed, rules, {"bool_spelling": (is_true | is_false) & ~canonical}


def parse_day(raw: pa.Array | pa.ChunkedArray, kind: str) -> pa.Array:
    """The UTC day a date or timestamp column places a row on (date32; null where unparsable).

    The day of ``parse(raw, kind).typed``, without the canonical text ``parse`` also writes: the
    importer needs only the day, and rewriting the text of a timestamp spelled with ``T``/``Z``
    formats the whole column (``strftime``, 1 s on 873k clickstream rows)."""
    text = _present(raw)[2]
    if kind == "ts":
        return pc.cast(times.parse_timestamps(text)[0], pa.date32())
    return times.parse_dates(text, kind, PLACES.get(kind, 0))[1]
