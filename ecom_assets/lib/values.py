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

Every parse returns the text to COPY (canonical, so PostgreSQL parses it without guessing), a
typed array for the contract's checks, which rows failed and why, and per normalization class
which rows it applied to.
"""

from __future__ import annotations

import decimal
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

_YMD = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
CANONICAL = {
    "money": r"^-?\d+(?:\.\d{1,2})?$",
    "decimal": r"^-?\d+(?:\.\d{1,4})?$",
    "int": r"^-?\d{1,15}$",
    "date": rf"^{_YMD}$",
    "ts": rf"^{_YMD} (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{{1,6}})?$",
}
_DECIMAL = r"^(?P<sign>[+-]?)(?P<int>\d*)(?:\.(?P<frac>\d*))?$"
_SCIENTIFIC = r"^[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d{1,3}$"
_LOOSE_TS = (
    rf"^(?P<date>{_YMD})(?:[ T](?P<hm>(?:[01]\d|2[0-3]):[0-5]\d)(?::(?P<s>[0-5]\d)(?:\.(?P<frac>\d+))?)?"
    r"(?P<tz>Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d|[+-](?:[01]\d|2[0-3]))?)?$"
)
_MIDNIGHT_DATE = rf"^(?P<date>{_YMD})[ T]00:00(?::00(?:\.0+)?)?$"

RULES = {
    "date": "unparsable date (expected YYYY-MM-DD)",
    "ts": "unparsable timestamp (expected YYYY-MM-DD HH:MM:SS[.ffffff], optionally with T and Z or an offset)",
    "money": "not a money amount (expected a number like 12.34)",
    "decimal": "not a number",
    "int": "not an integer",
    "bool": "not a boolean (expected true/false, yes/no, 1/0)",
    "too_large": "number too large for its column",
}


def too_large_rule(kind: str) -> str:
    return f"number too large (at most {INT_DIGITS[kind]} digits before the decimal point)"


def places_rule(places: int) -> str:
    unit = "a whole cent" if places == 2 else f"a multiple of {10.0**-places:g}"
    return f"more than {places} decimal(s): not within 1e-6 of {unit}"


@dataclass
class Parsed:
    """One text column parsed by its kind."""

    text: pa.Array  # canonical text to COPY; null where absent or failed
    typed: pa.Array  # typed values for the checks; null where absent or failed
    missing: np.ndarray  # bool: no value (empty or a null marker)
    failed: np.ndarray  # bool: a value that does not parse
    rules: np.ndarray  # object: the rule text of each failed row (None elsewhere)
    null_marker: np.ndarray  # bool: written as a null marker
    normalized: dict[str, np.ndarray] = field(default_factory=dict)  # class -> bool per row


def _np(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _null(t: pa.DataType) -> pa.Scalar:
    return pa.scalar(None, t)


def parse(raw: pa.Array | pa.ChunkedArray, kind: str, places: int | None = None) -> Parsed:
    """Parse a text column of contract kind ``kind`` (``places`` overrides the kind's decimals)."""
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    raw = pc.cast(raw, pa.string())
    n = len(raw)
    trimmed = pc.utf8_trim_whitespace(raw)
    normalized = {"whitespace": _np(pc.and_(pc.is_valid(raw), pc.not_equal(trimmed, raw)))}
    marker = _np(pc.is_in(trimmed, value_set=pa.array(NULL_MARKERS)))
    empty = _np(pc.equal(trimmed, "")) | ~_np(pc.is_valid(raw))
    present_mask = ~(marker | empty)
    text = pc.if_else(pa.array(present_mask), trimmed, _null(pa.string()))
    if marker.any():
        normalized["null_marker"] = marker
    failed = np.zeros(n, dtype=bool)
    rules = np.full(n, None, dtype=object)
    if kind in ("id", "text"):
        return Parsed(text, text, ~present_mask, failed, rules, marker, normalized)
    parser = {
        "money": _decimal,
        "decimal": _decimal,
        "int": _decimal,
        "date": _date,
        "ts": _ts,
        "bool": _bool,
    }[kind]
    p = places if places is not None else PLACES.get(kind, 0)
    out_text, typed, bad, bad_rules, extra = parser(text, kind, p)
    failed = bad & present_mask
    rules[failed] = bad_rules[failed]
    for name, rows in extra.items():
        normalized[name] = rows & present_mask & ~failed
    return Parsed(out_text, typed, ~present_mask, failed, rules, marker, normalized)


# ---------------------------------------------------------------- helpers: canonical first


def _split(text: pa.Array, pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows whose value matches the canonical pattern, rows present that do not)."""
    ok = _np(pc.match_substring_regex(text, pattern))
    return ok, _np(pc.is_valid(text)) & ~ok


def _scatter(
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


# ---------------------------------------------------------------- numbers


def _decimal(text: pa.Array, kind: str, places: int) -> tuple:
    n = len(text)
    canon = (
        CANONICAL["int"] if kind == "int" else rf"^-?\d+(?:\.\d{{1,{places}}})?$" if places else r"^-?\d+$"
    )
    ok, rest = _split(text, canon)
    t = pa.int64() if kind == "int" else pa.float64()
    typed = pc.cast(pc.if_else(pa.array(ok), text, _null(pa.string())), t)
    out_text = pc.if_else(pa.array(ok), text, _null(pa.string()))
    failed = np.zeros(n, dtype=bool)
    rules = np.full(n, None, dtype=object)
    extra: dict[str, np.ndarray] = {}
    if not rest.any():
        return (*_fits(out_text, typed, failed, rules, kind), extra)
    rows = np.flatnonzero(rest)
    loose = pc.take(text, pa.array(rows))
    sci = _np(pc.match_substring_regex(loose, _SCIENTIFIC))
    if sci.any():  # exact, per value: rare
        plain = [
            format(decimal.Decimal(v), "f") if s else v
            for v, s in zip(loose.to_pylist(), sci.tolist(), strict=True)
        ]
        loose = pa.array(plain, pa.string())
        extra["scientific"] = _at(n, rows[sci])
    units, l_fail, l_rules, noise, frac = _units(loose, kind, places)
    l_text = _format_units(units, places)
    l_typed = (
        pc.cast(units, pa.int64()) if kind == "int" else pc.divide(pc.cast(units, pa.float64()), 10.0**places)
    )
    l_text = pc.if_else(pa.array(l_fail), _null(pa.string()), l_text)
    l_typed = pc.if_else(pa.array(l_fail), _null(t), l_typed)
    out_text = _scatter(n, rows, l_text, pa.string(), out_text)
    typed = _scatter(n, rows, l_typed, t, typed)
    failed[rows] = l_fail
    rules[rows] = l_rules
    extra["float_noise"] = _at(n, rows[noise & ~l_fail])
    if kind == "int":
        extra["int_fraction"] = _at(n, rows[frac & ~noise & ~l_fail])
    return (*_fits(out_text, typed, failed, rules, kind), extra)


def _fits(out_text: pa.Array, typed: pa.Array, failed: np.ndarray, rules: np.ndarray, kind: str) -> tuple:
    """Values with more integer digits than the column's type holds fail (canonical text counted)."""
    digits = pc.utf8_length(pc.utf8_ltrim(out_text, characters="-"))
    point = pc.find_substring(out_text, ".")
    sign = pc.cast(pc.starts_with(out_text, "-"), pa.int32())
    whole = pc.if_else(pc.greater_equal(point, 0), pc.subtract(point, sign), digits)
    big = _np(pc.greater(whole, INT_DIGITS[kind]))
    if big.any():
        failed = failed | big
        rules = rules.copy()
        rules[big] = too_large_rule(kind)
        out_text = pc.if_else(pa.array(big), _null(pa.string()), out_text)
        typed = pc.if_else(pa.array(big), _null(typed.type), typed)
    return out_text, typed, failed, rules


def _or(arr: pa.Array, default: str) -> pa.Array:
    return pc.if_else(pc.equal(arr, ""), default, arr)


def _at(n: int, rows: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[rows] = True
    return out


def _digits(arr: pa.Array) -> np.ndarray:
    """Digit strings (possibly empty) as int64."""
    filled = pc.if_else(pc.equal(pc.fill_null(arr, ""), ""), "0", pc.fill_null(arr, "0"))
    return pc.cast(filled, pa.int64()).to_numpy(zero_copy_only=False)


def _units(loose: pa.Array, kind: str, places: int) -> tuple:
    """Exact integer units of 10^-places for decimal strings; noise within 1e-6 rounded away."""
    m = len(loose)
    parts = pc.extract_regex(loose, _DECIMAL)
    matched = _np(pc.is_valid(parts))
    parts = pc.if_else(pa.array(matched), parts, pa.scalar({"sign": "", "int": "0", "frac": ""}, parts.type))
    sign, int_s, frac_s = (pc.struct_field(parts, i) for i in range(3))
    frac_s = pc.fill_null(frac_s, "")
    has_digits = _np(pc.greater(pc.add(pc.utf8_length(int_s), pc.utf8_length(frac_s)), 0))
    too_long = _np(pc.greater(pc.utf8_length(int_s), MAX_INT_DIGITS))
    ok = matched & has_digits & ~too_long
    int_s = pc.if_else(pa.array(ok), int_s, "0")
    frac_s = pc.if_else(pa.array(ok), frac_s, "")
    head = (
        pc.utf8_slice_codeunits(pc.utf8_rpad(frac_s, width=places, padding="0"), 0, places)
        if places
        else None
    )
    beyond = pc.utf8_slice_codeunits(frac_s, places)
    k = 6 - places
    first_k = _digits(pc.utf8_slice_codeunits(pc.utf8_rpad(beyond, width=k, padding="0"), 0, k))
    rest_nonzero = _np(pc.match_substring_regex(pc.utf8_slice_codeunits(beyond, k), "[1-9]"))
    beyond_nonzero = _np(pc.match_substring_regex(beyond, "[1-9]"))
    near_zero = (first_k == 0) | ((first_k == 1) & ~rest_nonzero)
    near_one = first_k >= 10**k - 1
    units = _digits(int_s) * 10**places + (_digits(head) if places else 0)
    units = units + (beyond_nonzero & near_one)
    units = np.where(_np(pc.equal(sign, "-")), -units, units)
    sub_unit = beyond_nonzero & ~near_zero & ~near_one
    failed = ~ok | sub_unit
    rules = np.full(m, None, dtype=object)
    rules[~matched | ~has_digits] = RULES[kind if kind != "int" else "int"]
    rules[too_long] = RULES["too_large"]
    rules[ok & sub_unit] = RULES["int"] if kind == "int" else places_rule(places)
    noise = beyond_nonzero & ~sub_unit
    frac = _np(pc.greater(pc.utf8_length(frac_s), 0)) | _np(pc.match_substring(loose, "."))
    return units, failed, rules, noise, frac


def _format_units(units: np.ndarray, places: int) -> pa.Array:
    """Integer units of 10^-places as canonical decimal text (``-12.30``)."""
    if not places:
        return pc.cast(pa.array(units), pa.string())
    scale = 10**places
    whole = pc.cast(pa.array(np.abs(units) // scale), pa.string())
    part = pc.utf8_lpad(pc.cast(pa.array(np.abs(units) % scale), pa.string()), width=places, padding="0")
    sign = pa.array(np.where(units < 0, "-", ""))
    return pc.binary_join_element_wise(sign, whole, ".", part, "")


# ---------------------------------------------------------------- dates and times


def _real_day(ts: pa.Array, written: pa.Array) -> np.ndarray:
    """True where the parsed day of month equals the written one (strptime rolls 02-30 to 03-02)."""
    digits = pc.utf8_slice_codeunits(pc.fill_null(written, ""), 8, 10)
    digits = pc.if_else(pc.match_substring_regex(digits, r"^\d\d$"), digits, "00")
    day = pc.cast(digits, pa.int64())
    return _np(pc.equal(pc.day(ts), day))


def _parse_date(text: pa.Array) -> pa.Array:
    ts = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    return pc.if_else(pa.array(_real_day(ts, text)), pc.cast(ts, pa.date32()), _null(pa.date32()))


def _date(text: pa.Array, kind: str, places: int) -> tuple:
    ok, rest = _split(text, CANONICAL["date"])
    day_text = text
    extra: dict[str, np.ndarray] = {}
    if rest.any():
        midnight = pc.extract_regex(text, _MIDNIGHT_DATE)
        is_mid = _np(pc.is_valid(midnight)) & rest
        if is_mid.any():
            day_text = pc.if_else(pa.array(is_mid), pc.struct_field(midnight, 0), text)
            extra["date_with_time"] = is_mid
        ok = ok | is_mid
    cand = pc.if_else(pa.array(ok), day_text, _null(pa.string()))
    typed = _parse_date(cand)
    good = _np(pc.is_valid(typed))
    failed = ~good
    rules = np.where(failed, RULES["date"], None).astype(object)
    return pc.if_else(pa.array(good), cand, _null(pa.string())), typed, failed, rules, extra


def parse_timestamps(text: pa.Array) -> tuple[pa.Array, dict[str, np.ndarray]]:
    """Timestamps in any accepted spelling -> timestamp[us] in UTC (null where not one)."""
    n = len(text)
    ok, rest = _split(text, CANONICAL["ts"])
    head = pc.utf8_slice_codeunits(text, 0, 19)
    typed = pc.strptime(pc.if_else(pa.array(ok), head, _null(pa.string())), format="%Y-%m-%d %H:%M:%S",
                        unit="us", error_is_null=True)  # fmt: skip
    long = ok & _np(pc.greater(pc.utf8_length(text), 19))
    if long.any():
        frac = pc.utf8_rpad(pc.utf8_slice_codeunits(text, 20, 26), width=6, padding="0")
        micros = pc.cast(pc.if_else(pa.array(long), frac, "0"), pa.int64())
        typed = pc.cast(pc.add(pc.cast(typed, pa.int64()), micros), pa.timestamp("us"))
    typed = pc.if_else(pa.array(_real_day(typed, text)), typed, _null(pa.timestamp("us")))
    extra: dict[str, np.ndarray] = {}
    if not rest.any():
        return typed, extra
    rows = np.flatnonzero(rest)
    loose = pc.take(text, pa.array(rows))
    parts = pc.extract_regex(loose, _LOOSE_TS)
    # an optional group that did not take part in the match is "" (a row that did not match: null)
    date, hm, sec, frac_s, tz = (pc.fill_null(pc.struct_field(parts, i), "") for i in range(5))
    has_time = _np(pc.not_equal(hm, ""))
    base = pc.binary_join_element_wise(date, " ", _or(hm, "00:00"), ":", _or(sec, "00"), "")
    base = pc.if_else(pc.is_valid(parts), base, _null(pa.string()))
    l_ts = pc.strptime(base, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
    frac6 = pc.utf8_slice_codeunits(pc.utf8_rpad(frac_s, width=6, padding="0"), 0, 6)
    micros = pc.cast(frac6, pa.int64()).to_numpy(zero_copy_only=False)
    tz_text = _or(tz, "Z")
    sign = np.where(_np(pc.starts_with(tz_text, "-")), -1, 1)
    digits = pc.replace_substring(pc.replace_substring(pc.utf8_slice_codeunits(tz_text, 1), ":", ""), "Z", "")
    hh = _digits(pc.utf8_slice_codeunits(digits, 0, 2))
    mm = _digits(pc.utf8_slice_codeunits(digits, 2, 4))
    offset_us = sign * (hh * 60 + mm) * 60_000_000
    value = pc.fill_null(pc.cast(l_ts, pa.int64()), 0).to_numpy(zero_copy_only=False) + micros - offset_us
    l_typed = pc.cast(pa.array(value, pa.int64()), pa.timestamp("us"))
    valid = _np(pc.is_valid(l_ts)) & _real_day(l_ts, date)
    l_typed = pc.if_else(pa.array(valid), l_typed, _null(pa.timestamp("us")))
    typed = _scatter(n, rows, l_typed, pa.timestamp("us"), typed)
    date_only = valid & ~has_time
    precise = valid & _np(pc.greater(pc.utf8_length(frac_s), 6))
    extra["date_as_timestamp"] = _at(n, rows[date_only])
    extra["ts_precision"] = _at(n, rows[precise])
    extra["iso_timestamp"] = _at(n, rows[valid & ~date_only & ~precise])
    return typed, extra


def _ts(text: pa.Array, kind: str, places: int) -> tuple:
    typed, extra = parse_timestamps(text)
    good = _np(pc.is_valid(typed))
    ok, _ = _split(text, CANONICAL["ts"])
    out_text = pc.if_else(pa.array(ok & good), text, _null(pa.string()))
    fixed = good & ~ok
    if fixed.any():  # whole seconds written without a fraction
        micros = pc.fill_null(pc.cast(typed, pa.int64()), 0).to_numpy(zero_copy_only=False)
        seconds = pc.cast(pa.array(micros // 1_000_000), pa.timestamp("s"))
        text = pc.if_else(
            pa.array(micros % 1_000_000 != 0),
            pc.strftime(typed, format="%Y-%m-%d %H:%M:%S"),
            pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S"),
        )
        out_text = pc.if_else(pa.array(fixed), text, out_text)
    failed = ~good
    rules = np.where(failed, RULES["ts"], None).astype(object)
    return out_text, typed, failed, rules, extra


def _bool(text: pa.Array, kind: str, places: int) -> tuple:
    lower = pc.utf8_lower(text)
    is_true = _np(pc.is_in(lower, value_set=pa.array(TRUE_SPELLINGS)))
    is_false = _np(pc.is_in(lower, value_set=pa.array(FALSE_SPELLINGS)))
    typed = pa.array(np.where(is_true, True, False), pa.bool_())
    typed = pc.if_else(pa.array(is_true | is_false), typed, _null(pa.bool_()))
    out_text = pc.if_else(
        pa.array(is_true), "true", pc.if_else(pa.array(is_false), "false", _null(pa.string()))
    )
    canonical = _np(pc.is_in(text, value_set=pa.array(CANONICAL_BOOLS)))
    failed = ~(is_true | is_false)
    rules = np.where(failed, RULES["bool"], None).astype(object)
    return out_text, typed, failed, rules, {"bool_spelling": (is_true | is_false) & ~canonical}


def parse_day(raw: pa.Array | pa.ChunkedArray, kind: str) -> pa.Array:
    """The UTC day a date or timestamp column places a row on (date32; null where unparsable)."""
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    p = parse(raw, kind)
    return pc.cast(p.typed, pa.date32()) if kind == "ts" else p.typed
