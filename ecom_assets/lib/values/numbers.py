"""Money, decimals and integers: exact digits, never a binary float (see the package's docstring)."""

from __future__ import annotations

import decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.values.common import (
    CANONICAL,
    INT_DIGITS,
    MAX_INT_DIGITS,
    RULES,
    int_digits,
    mask,
    null_of,
    places_rule,
    rows_mask,
    scatter,
    split_canonical,
    too_large_rule,
)

_DECIMAL = r"^(?P<sign>[+-]?)(?P<int>\d*)(?:\.(?P<frac>\d*))?$"
_SCIENTIFIC = r"^[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d{1,3}$"


def parse_decimals(text: pa.Array, kind: str, places: int) -> tuple:
    n = len(text)
    canon = (
        CANONICAL["int"] if kind == "int" else rf"^-?\d+(?:\.\d{{1,{places}}})?$" if places else r"^-?\d+$"
    )
    ok, rest = split_canonical(text, canon)
    t = pa.int64() if kind == "int" else pa.float64()
    typed = pc.cast(pc.if_else(pa.array(ok), text, null_of(pa.string())), t)
    out_text = pc.if_else(pa.array(ok), text, null_of(pa.string()))
    failed = np.zeros(n, dtype=bool)
    rules = np.full(n, None, dtype=object)
    extra: dict[str, np.ndarray] = {}
    if not rest.any():
        return (*_fits(out_text, typed, failed, rules, kind), extra)
    rows = np.flatnonzero(rest)
    loose = pc.take(text, pa.array(rows))
    sci = mask(pc.match_substring_regex(loose, _SCIENTIFIC))
    if sci.any():  # exact, per value: rare
        plain = [
            format(decimal.Decimal(v), "f") if s else v
            for v, s in zip(loose.to_pylist(), sci.tolist(), strict=True)
        ]
        loose = pa.array(plain, pa.string())
        extra["scientific"] = rows_mask(n, rows[sci])
    units, l_fail, l_rules, noise, frac = _units(loose, kind, places)
    l_text = _format_units(units, places)
    l_typed = (
        pc.cast(units, pa.int64()) if kind == "int" else pc.divide(pc.cast(units, pa.float64()), 10.0**places)
    )
    l_text = pc.if_else(pa.array(l_fail), null_of(pa.string()), l_text)
    l_typed = pc.if_else(pa.array(l_fail), null_of(t), l_typed)
    out_text = scatter(n, rows, l_text, pa.string(), out_text)
    typed = scatter(n, rows, l_typed, t, typed)
    failed[rows] = l_fail
    rules[rows] = l_rules
    extra["float_noise"] = rows_mask(n, rows[noise & ~l_fail])
    if kind == "int":
        extra["int_fraction"] = rows_mask(n, rows[frac & ~noise & ~l_fail])
    return (*_fits(out_text, typed, failed, rules, kind), extra)


def _fits(out_text: pa.Array, typed: pa.Array, failed: np.ndarray, rules: np.ndarray, kind: str) -> tuple:
    """Values with more integer digits than the column's type holds fail (canonical text counted)."""
    longest = pc.max(pc.binary_length(out_text)).as_py()
    if longest is None or longest <= INT_DIGITS[kind]:  # no value is long enough to hold too many digits
        return out_text, typed, failed, rules
    digits = pc.utf8_length(pc.utf8_ltrim(out_text, characters="-"))
    point = pc.find_substring(out_text, ".")
    sign = pc.cast(pc.starts_with(out_text, "-"), pa.int32())
    whole = pc.if_else(pc.greater_equal(point, 0), pc.subtract(point, sign), digits)
    big = mask(pc.greater(whole, INT_DIGITS[kind]))
    if big.any():
        failed = failed | big
        rules = rules.copy()
        rules[big] = too_large_rule(kind)
        out_text = pc.if_else(pa.array(big), null_of(pa.string()), out_text)
        typed = pc.if_else(pa.array(big), null_of(typed.type), typed)
    return out_text, typed, failed, rules


def _units(loose: pa.Array, kind: str, places: int) -> tuple:
    """Exact integer units of 10^-places for decimal strings; noise within 1e-6 rounded away."""
    m = len(loose)
    parts = pc.extract_regex(loose, _DECIMAL)
    matched = mask(pc.is_valid(parts))
    parts = pc.if_else(pa.array(matched), parts, pa.scalar({"sign": "", "int": "0", "frac": ""}, parts.type))
    sign, int_s, frac_s = (pc.struct_field(parts, i) for i in range(3))
    frac_s = pc.fill_null(frac_s, "")
    has_digits = mask(pc.greater(pc.add(pc.utf8_length(int_s), pc.utf8_length(frac_s)), 0))
    too_long = mask(pc.greater(pc.utf8_length(int_s), MAX_INT_DIGITS))
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
    first_k = int_digits(pc.utf8_slice_codeunits(pc.utf8_rpad(beyond, width=k, padding="0"), 0, k))
    rest_nonzero = mask(pc.match_substring_regex(pc.utf8_slice_codeunits(beyond, k), "[1-9]"))
    beyond_nonzero = mask(pc.match_substring_regex(beyond, "[1-9]"))
    near_zero = (first_k == 0) | ((first_k == 1) & ~rest_nonzero)
    near_one = first_k >= 10**k - 1
    units = int_digits(int_s) * 10**places + (int_digits(head) if places else 0)
    units = units + (beyond_nonzero & near_one)
    units = np.where(mask(pc.equal(sign, "-")), -units, units)
    sub_unit = beyond_nonzero & ~near_zero & ~near_one
    failed = ~ok | sub_unit
    rules = np.full(m, None, dtype=object)
    rules[~matched | ~has_digits] = RULES[kind if kind != "int" else "int"]
    rules[too_long] = RULES["too_large"]
    rules[ok & sub_unit] = RULES["int"] if kind == "int" else places_rule(places)
    noise = beyond_nonzero & ~sub_unit
    frac = mask(pc.greater(pc.utf8_length(frac_s), 0)) | mask(pc.match_substring(loose, "."))
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
