"""Numbers to columns: seeded draws and numpy -> arrow builders in DATA_CONTRACT.md's text forms.

Every part of the shop draws with numpy (whole days at once) and turns its numbers into arrow
columns here, so the text forms (exact money, ISO dates, ``PREFIX<YYYYMMDD>_<n>`` ids) are
written once. Money is integer cents until the last step: identities hold exactly.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH_ORD = dt.date(1970, 1, 1).toordinal()


def rng(seed: int, *keys: int) -> np.random.Generator:
    """The generator of one purpose (``keys``: its stream and, for events, the day)."""
    return np.random.default_rng([int(seed), *[int(k) for k in keys]])


def money(cents: np.ndarray, scale: int = 2, precision: int = 14) -> pa.Array:
    """Integer hundredths (or 10**-scale units) as an exact decimal column: ``123.45``."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    buf = np.empty((len(cents), 2), dtype=np.int64)
    buf[:, 0] = cents
    buf[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(cents), [None, pa.py_buffer(buf)])


def dates(ordinals: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    days = (np.asarray(ordinals, dtype=np.int64) - EPOCH_ORD).astype(np.int32)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(days, type=pa.int32(), mask=mask).cast(pa.date32())


def timestamps(ordinal: np.ndarray | int, seconds: np.ndarray) -> pa.Array:
    epoch = (np.asarray(ordinal, dtype=np.int64) - EPOCH_ORD) * 86_400 + np.asarray(seconds, dtype=np.int64)
    return pa.array(epoch, type=pa.int64()).cast(pa.timestamp("s"))


def bools(values: np.ndarray) -> pa.Array:
    return pc.take(pa.array(["False", "True"]), pa.array(np.asarray(values, dtype=np.int8)))


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def day_ids(prefix: str, days: np.ndarray, numbers: np.ndarray, width: int) -> pa.Array:
    """``<prefix><YYYYMMDD>_<number>`` for rows of any number of days (ids restart each day)."""
    uniq, inverse = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    tags = pa.array([f"{prefix}{dt.date.fromordinal(int(d)):%Y%m%d}_" for d in uniq], type=pa.string())
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pc.take(tags, pa.array(inverse.astype(np.int64))), digits, "")


def take(pool: pa.Array, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pc.take(pool, pa.array(np.asarray(idx, dtype=np.int64), mask=mask))


def join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def choice(gen: np.random.Generator, probs: tuple[float, ...] | np.ndarray, n: int) -> np.ndarray:
    cum = np.cumsum(np.asarray(probs, dtype=np.float64))
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, gen.random(n), side="right"), len(cum) - 1)


def weighted_pick(cum_weights: np.ndarray, u: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Indices drawn from a prefix of ``cum_weights`` (length ``limit``) by uniform draws ``u``."""
    limit = len(cum_weights) if limit is None else limit
    idx = np.searchsorted(cum_weights, u * cum_weights[limit - 1], side="right")
    return np.minimum(idx, limit - 1)


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split over ``weights`` in whole numbers that add up exactly."""
    share = total * weights / weights.sum()
    counts = np.floor(share).astype(np.int64)
    rest = total - int(counts.sum())
    if rest > 0:
        order = np.argsort(-(share - counts), kind="stable")
        counts[order[:rest]] += 1
    return counts


def cumulative_round(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split over ``weights`` in whole numbers that add up exactly, keeping each stretch's
    share over time: the running total is rounded, so a run of days each expecting a third of
    an order gets one every third day (largest remainder would give them none at small scales)."""
    expected = np.concatenate([[0.0], np.cumsum(weights, dtype=np.float64)]) * (total / weights.sum())
    running = np.floor(expected + 0.5).astype(np.int64)
    running[-1] = total
    return np.diff(running)


def within_positions(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For groups of the given lengths: (group of each row, position in its group, group start row)."""
    starts = np.cumsum(lengths) - lengths
    group = np.repeat(np.arange(len(lengths)), lengths)
    pos = np.arange(int(lengths.sum())) - starts[group]
    return group, pos, starts


def versions(n: int, changed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of a versioned dimension: every key once, plus a second version for ``changed``.

    Returns (key row of each version, 0/1 version number, the order that sorts the
    concatenation ``[first versions, second versions]`` by key then version).
    """
    rows = np.concatenate([np.arange(n), changed])
    version = np.concatenate([np.zeros(n, dtype=np.int64), np.ones(len(changed), dtype=np.int64)])
    order = np.lexsort((version, rows))
    return rows[order], version[order], order
