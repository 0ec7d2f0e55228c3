"""Dates and timestamps: ISO spellings, offsets to UTC, and days that exist (no 02-30)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.values.common import (
    CANONICAL,
    RULES,
    YMD,
    int_digits,
    mask,
    null_of,
    or_default,
    rows_mask,
    scatter,
    split_canonical,
)

_LOOSE_TS = (
    rf"^(?P<date>{YMD})(?:[ T](?P<hm>(?:[01]\d|2[0-3]):[0-5]\d)(?::(?P<s>[0-5]\d)(?:\.(?P<frac>\d+))?)?"
    r"(?P<tz>Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d|[+-](?:[01]\d|2[0-3]))?)?$"
)
_MIDNIGHT_DATE = rf"^(?P<date>{YMD})[ T]00:00(?::00(?:\.0+)?)?$"


def _real_day(ts: pa.Array, written: pa.Array, canonical: np.ndarray | None = None) -> np.ndarray:
    """True where the parsed day of month equals the written one (strptime rolls 02-30 to 03-02).

    Only a written day of 29-31 can roll over, and on rows known to match the canonical pattern
    the day is two digits at offset 8: those rows are compared without a regex over the column.
    """
    if canonical is not None and canonical.all():
        day = pc.cast(pc.utf8_slice_codeunits(written, 8, 10), pa.int64())
        return mask(pc.equal(pc.day(ts), day))
    digits = pc.utf8_slice_codeunits(pc.fill_null(written, ""), 8, 10)
    digits = pc.if_else(pc.match_substring_regex(digits, r"^\d\d$"), digits, "00")
    day = pc.cast(digits, pa.int64())
    return mask(pc.equal(pc.day(ts), day))


def _parse_date(text: pa.Array, canonical: bool = False) -> pa.Array:
    """``YYYY-MM-DD`` text -> date32 (null where not a real day); ``canonical``: every present
    value is known to match the canonical pattern."""
    if canonical:
        try:  # Arrow's ISO parser checks that the day exists: a quarter of strptime + day check
            return pc.cast(text, pa.date32())
        except pa.ArrowInvalid:
            pass  # a day that does not exist (02-30): the way below nulls it alone
    ts = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    known = np.ones(len(text), dtype=bool) if canonical else None
    return pc.if_else(pa.array(_real_day(ts, text, known)), pc.cast(ts, pa.date32()), null_of(pa.date32()))


def parse_dates(text: pa.Array, kind: str, places: int) -> tuple:
    try:  # every value canonical: Arrow reads exactly YYYY-MM-DD of a day that exists, nothing else
        typed = pc.cast(text, pa.date32())
        none = np.full(len(text), None, dtype=object)
        return (*_no_year_zero(text, typed, np.zeros(len(text), dtype=bool), none), {})
    except pa.ArrowInvalid:
        pass
    ok, rest = split_canonical(text, CANONICAL["date"])
    day_text = text
    extra: dict[str, np.ndarray] = {}
    if rest.any():
        midnight = pc.extract_regex(text, _MIDNIGHT_DATE)
        is_mid = mask(pc.is_valid(midnight)) & rest
        if is_mid.any():
            day_text = pc.if_else(pa.array(is_mid), pc.struct_field(midnight, 0), text)
            extra["date_with_time"] = is_mid
        ok = ok | is_mid
    cand = pc.if_else(pa.array(ok), day_text, null_of(pa.string()))
    typed = _parse_date(cand, canonical=True)  # canonical, or the date of a canonical midnight
    good = mask(pc.is_valid(typed))
    failed = ~good
    rules = np.where(failed, RULES["date"], None).astype(object)
    return (
        *_no_year_zero(pc.if_else(pa.array(good), cand, null_of(pa.string())), typed, failed, rules),
        extra,
    )


def _no_year_zero(text: pa.Array, typed: pa.Array, failed: np.ndarray, rules: np.ndarray) -> tuple:
    """Year 0000 is a date in ISO 8601 and in Arrow, but PostgreSQL has none: from CSV a single
    such value failed the whole COPY, in binary it would be stored as 1 BC. It is unparsable."""
    zero = mask(pc.less(pc.year(typed), 1))
    if not zero.any():
        return text, typed, failed, rules
    keep = pa.array(~zero)
    rules = rules.copy()
    rules[zero] = RULES["year_zero"]
    return (
        pc.if_else(keep, text, null_of(text.type)),
        pc.if_else(keep, typed, null_of(typed.type)),
        failed | zero,
        rules,
    )


def _canonical_timestamps(text: pa.Array, ok: np.ndarray, rest: np.ndarray) -> pa.Array:
    """Timestamps of the rows in the canonical spelling, row by row: null where the day does not exist."""
    head = pc.utf8_slice_codeunits(text, 0, 19)
    typed = pc.strptime(pc.if_else(pa.array(ok), head, null_of(pa.string())), format="%Y-%m-%d %H:%M:%S",
                        unit="us", error_is_null=True)  # fmt: skip
    long = ok & mask(pc.greater(pc.utf8_length(text), 19))
    if long.any():
        frac = pc.utf8_rpad(pc.utf8_slice_codeunits(text, 20, 26), width=6, padding="0")
        micros = pc.cast(pc.if_else(pa.array(long), frac, "0"), pa.int64())
        typed = pc.cast(pc.add(pc.cast(typed, pa.int64()), micros), pa.timestamp("us"))
    present = ok | rest
    return pc.if_else(pa.array(_real_day(typed, text, ok | ~present)), typed, null_of(pa.timestamp("us")))


def parse_timestamps(text: pa.Array) -> tuple[pa.Array, dict[str, np.ndarray]]:
    """Timestamps in any accepted spelling -> timestamp[us] in UTC (null where not one)."""
    typed, extra, _, _ = _timestamps(text)
    return typed, extra


def _timestamps(text: pa.Array) -> tuple[pa.Array, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """``parse_timestamps``, the rows in the canonical spelling and the rows in year 0 (nulled)."""
    typed, extra, ok = _any_year_timestamps(text)
    zero = mask(pc.less(pc.year(typed), 1))  # no year 0 in PostgreSQL (see _no_year_zero)
    if zero.any():
        typed = pc.if_else(pa.array(~zero), typed, null_of(typed.type))
        extra = {name: rows & ~zero for name, rows in extra.items()}
    return typed, extra, ok, zero


def _any_year_timestamps(text: pa.Array) -> tuple[pa.Array, dict[str, np.ndarray], np.ndarray]:
    n = len(text)
    ok, rest = split_canonical(text, CANONICAL["ts"])
    try:  # Arrow's ISO parser reads the canonical spelling and checks the day: a third of the way below
        typed = pc.cast(pc.if_else(pa.array(ok), text, null_of(pa.string())), pa.timestamp("us"))
    except pa.ArrowInvalid:  # a day that does not exist (02-30): nulled alone below
        typed = _canonical_timestamps(text, ok, rest)
    extra: dict[str, np.ndarray] = {}
    if not rest.any():
        return typed, extra, ok
    rows = np.flatnonzero(rest)
    loose = pc.take(text, pa.array(rows))
    parts = pc.extract_regex(loose, _LOOSE_TS)
    # an optional group that did not take part in the match is "" (a row that did not match: null)
    date, hm, sec, frac_s, tz = (pc.fill_null(pc.struct_field(parts, i), "") for i in range(5))
    has_time = mask(pc.not_equal(hm, ""))
    base = pc.binary_join_element_wise(date, " ", or_default(hm, "00:00"), ":", or_default(sec, "00"), "")
    base = pc.if_else(pc.is_valid(parts), base, null_of(pa.string()))
    l_ts = pc.strptime(base, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
    frac6 = pc.utf8_slice_codeunits(pc.utf8_rpad(frac_s, width=6, padding="0"), 0, 6)
    micros = pc.cast(frac6, pa.int64()).to_numpy(zero_copy_only=False)
    tz_text = or_default(tz, "Z")
    sign = np.where(mask(pc.starts_with(tz_text, "-")), -1, 1)
    digits = pc.replace_substring(pc.replace_substring(pc.utf8_slice_codeunits(tz_text, 1), ":", ""), "Z", "")
    hh = int_digits(pc.utf8_slice_codeunits(digits, 0, 2))
    mm = int_digits(pc.utf8_slice_codeunits(digits, 2, 4))
    offset_us = sign * (hh * 60 + mm) * 60_000_000
    value = pc.fill_null(pc.cast(l_ts, pa.int64()), 0).to_numpy(zero_copy_only=False) + micros - offset_us
    l_typed = pc.cast(pa.array(value, pa.int64()), pa.timestamp("us"))
    valid = mask(pc.is_valid(l_ts)) & _real_day(l_ts, date)
    l_typed = pc.if_else(pa.array(valid), l_typed, null_of(pa.timestamp("us")))
    typed = scatter(n, rows, l_typed, pa.timestamp("us"), typed)
    date_only = valid & ~has_time
    precise = valid & mask(pc.greater(pc.utf8_length(frac_s), 6))
    extra["date_as_timestamp"] = rows_mask(n, rows[date_only])
    extra["ts_precision"] = rows_mask(n, rows[precise])
    extra["iso_timestamp"] = rows_mask(n, rows[valid & ~date_only & ~precise])
    return typed, extra, ok


def parse_ts(text: pa.Array, kind: str, places: int) -> tuple:
    typed, extra, ok, zero = _timestamps(text)
    good = mask(pc.is_valid(typed))
    out_text = pc.if_else(pa.array(ok & good), text, null_of(pa.string()))
    fixed = good & ~ok
    if fixed.any():  # loose spellings get their canonical text (only they: strftime is slow)
        rows = np.flatnonzero(fixed)
        sub = pc.take(typed, pa.array(rows, pa.int64()))
        micros = pc.cast(sub, pa.int64()).to_numpy(zero_copy_only=False)
        seconds = pc.cast(pa.array(micros // 1_000_000), pa.timestamp("s"))  # whole seconds: no fraction
        canonical = pc.if_else(
            pa.array(micros % 1_000_000 != 0),
            pc.strftime(sub, format="%Y-%m-%d %H:%M:%S"),
            pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S"),
        )
        out_text = scatter(len(typed), rows, canonical, pa.string(), out_text)
    failed = ~good
    rules = np.where(failed, RULES["ts"], None).astype(object)
    rules[zero] = RULES["year_zero"]
    return out_text, typed, failed, rules, extra
