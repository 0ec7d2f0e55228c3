"""The contract's column rules as vectorised checks over parsed Arrow arrays.

The pandera model in ``lib/contracts.py`` is the one statement of each column's rules (it also
generates the DDL and backs the contract asset check). Validating a load row by row through
pandera cost 3.2 s of a 24 s scale-10 backfill (docs/SCALING.md), so the loader reads the
model's declared checks here and applies each as one Arrow comparison. A check this module
does not know fails loudly at import, so a rule added to a model cannot be silently skipped.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.contracts import SourceTable


@dataclass(frozen=True)
class ColumnRule:
    column: str
    rule: str
    breaks: Callable[[pa.Array], pa.Array]  # typed values -> True where the rule is broken


def _scalar(value: object, t: pa.DataType) -> pa.Scalar:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
        if pa.types.is_date32(t):
            value = value.date()
    if pa.types.is_integer(t) and isinstance(value, float) and value.is_integer():
        value = int(value)
    return pa.scalar(value, t if not pa.types.is_integer(t) or isinstance(value, int) else pa.float64())


def _show(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    return str(value)


_TYPES = {
    "money": pa.float64(),
    "decimal": pa.float64(),
    "int": pa.int64(),
    "date": pa.date32(),
    "ts": pa.timestamp("us"),
    "bool": pa.bool_(),
    "id": pa.string(),
    "text": pa.string(),
}


def _rule_for(column: str, kind: str, name: str, stats: dict, error: str | None) -> ColumnRule:
    t = _TYPES[kind]
    if name == "greater_than_or_equal_to":
        lo = _scalar(stats["min_value"], t)
        return ColumnRule(column, f"must be >= {_show(stats['min_value'])}", lambda a: pc.less(a, lo))
    if name == "greater_than":
        lo = _scalar(stats["min_value"], t)
        return ColumnRule(column, f"must be > {_show(stats['min_value'])}", lambda a: pc.less_equal(a, lo))
    if name == "less_than_or_equal_to":
        hi = _scalar(stats["max_value"], t)
        return ColumnRule(column, f"must be <= {_show(stats['max_value'])}", lambda a: pc.greater(a, hi))
    if name == "less_than":
        hi = _scalar(stats["max_value"], t)
        return ColumnRule(column, f"must be < {_show(stats['max_value'])}", lambda a: pc.greater_equal(a, hi))
    if name == "in_range":
        lo, hi = _scalar(stats["min_value"], t), _scalar(stats["max_value"], t)
        text = f"must be between {_show(stats['min_value'])} and {_show(stats['max_value'])}"
        return ColumnRule(column, text, lambda a: pc.or_(pc.less(a, lo), pc.greater(a, hi)))
    if name == "isin":
        allowed = pa.array(list(stats["allowed_values"]), t)
        text = f"must be one of {', '.join(map(str, stats['allowed_values']))}"
        return ColumnRule(column, text, lambda a: pc.invert(pc.is_in(a, value_set=allowed)))
    if name == "str_length":
        lo_n, hi_n = stats.get("min_value"), stats.get("max_value")
        text = f"length must be between {lo_n} and {hi_n} characters"

        def bad_length(a: pa.Array) -> pa.Array:
            n = pc.utf8_length(a)
            return pc.or_(pc.less(n, lo_n or 0), pc.greater(n, hi_n if hi_n is not None else 2**62))

        return ColumnRule(column, text, bad_length)
    if name == "str_matches":
        pattern = stats["pattern"]
        text = (
            error
            if error and not error.startswith("str_matches")
            else f"does not match the pattern {pattern}"
        )
        return ColumnRule(column, text, lambda a: pc.invert(pc.match_substring_regex(a, pattern)))
    raise ValueError(f"contract check {name!r} on {column} has no vectorised form in defs/staging/rules.py")


@functools.cache
def column_rules(table: SourceTable) -> tuple[ColumnRule, ...]:
    """Every column check of the table's pandera model, in column order."""
    out = []
    for name, col in table.model.to_schema().columns.items():
        for check in col.checks:
            out.append(_rule_for(name, col.metadata["kind"], check.name, dict(check.statistics), check.error))
    return tuple(out)


def broken(rule: ColumnRule, typed: pa.Array) -> np.ndarray:
    """Rows (with a value) that break the rule."""
    return np.asarray(pc.fill_null(rule.breaks(typed), False).to_numpy(zero_copy_only=False), dtype=bool)


def as_numbers(typed: pa.Array) -> np.ndarray:
    """Typed values as float64 for the frame rules (NaN for null; dates as days since 1970)."""
    if pa.types.is_date32(typed.type):
        typed = pc.cast(typed, pa.int32())
    elif pa.types.is_timestamp(typed.type):
        typed = pc.cast(typed, pa.int64())
    return pc.cast(typed, pa.float64()).to_numpy(zero_copy_only=False)
