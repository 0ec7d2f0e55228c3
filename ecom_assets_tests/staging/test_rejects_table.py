"""The rejects table built column-wise (a line with one problem) is, byte for byte, the one built
line by line, for values that need quoting or escaping, faulted lines with their raw bytes, problems
without a column or in a column the export lacks, and lines with several problems."""

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from ecom_assets.defs.staging import rejects
from ecom_assets.defs.staging.read import RAW, SOURCE_FILE, SOURCE_LINE
from ecom_assets.lib.contracts import DAY_COLUMN, SOURCE_TABLES

VALUES = ['plain', '', None, 'a,b', 'say "hi"', 'back\\slash', 'two\nlines', 'cr\rlf', 'tab\there',
          'nul\x00', 'bell\x07', 'caf\u00e9 \u20ac', ' padded ', '"', ',', '\\"', 'esc\x1b[0m']  # fmt: skip


def _raw(table: str, n: int, with_raw: bool) -> pa.Table:
    src = SOURCE_TABLES[table]
    cols = {c: [VALUES[(i + k) % len(VALUES)] for i in range(n)] for k, c in enumerate(src.columns[:5])}
    cols[SOURCE_FILE] = [f"{table}.csv"] * n
    cols[SOURCE_LINE] = list(range(2, n + 2))
    if src.is_event:
        cols[DAY_COLUMN] = pa.array([dt.date(2025, 10, 1)] * n, pa.date32())
    if with_raw:
        cols[RAW] = [f"raw,{i}\\x00" if i % 5 == 0 else None for i in range(n)]
    return pa.table(cols)


def _problems(table: str, n: int) -> tuple[np.ndarray, ...]:
    src = SOURCE_TABLES[table]
    rng = np.random.default_rng(7)
    rows, cols, rules, codes = [], [], [], []
    for r in range(n):
        for _ in range(int(rng.integers(0, 4))):  # 0 (staged), 1 (column-wise) or more problems
            col = [src.columns[int(rng.integers(0, 5))], None, src.columns[-1]][int(rng.integers(0, 3))]
            rows.append(r)
            cols.append(col)
            rules.append(["must be >= 0", 'not a date "x"', f"duplicate key (first seen at line {r})"][r % 3])
            codes.append(["parse", "rule", "duplicate"][int(rng.integers(0, 3))])
    rows += [3, 3]  # the same rule twice in one column counts once
    cols += [src.columns[0]] * 2
    rules += ["twice"] * 2
    codes += ["parse"] * 2
    return (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=object),
            np.asarray(rules, dtype=object), np.asarray(codes, dtype=object))  # fmt: skip


@pytest.mark.parametrize("with_raw", [False, True], ids=["parsed lines", "with faulted lines' bytes"])
@pytest.mark.parametrize("table", ["orders", "customers"])
def test_column_wise_rejects_equal_line_by_line_rejects(table: str, with_raw: bool) -> None:
    n = 120
    raw, problems = _raw(table, n, with_raw), _problems(table, n)
    by_line = rejects.reject_table(SOURCE_TABLES[table], raw, *problems, columnwise=False)
    column_wise = rejects.reject_table(SOURCE_TABLES[table], raw, *problems)
    singles = np.unique(problems[0], return_counts=True)
    assert (singles[1] == 1).sum() > 20 and (singles[1] > 1).sum() > 20  # both ways are exercised
    assert column_wise.num_rows == len(singles[0])
    assert column_wise.schema == by_line.schema
    for name in column_wise.column_names:
        assert column_wise.column(name).to_pylist() == by_line.column(name).to_pylist(), name


def test_a_mass_reject_has_each_lines_own_value_and_line() -> None:
    src = SOURCE_TABLES["orders"]
    n = 5_000
    raw = _raw("orders", n, False)
    rows = np.arange(n, dtype=np.int64)
    col = src.columns[1]
    out = rejects.reject_table(src, raw, rows, np.full(n, col, dtype=object),
                               np.full(n, "outside the window", dtype=object),
                               np.full(n, "window", dtype=object))  # fmt: skip
    assert out.column("source_line").to_pylist() == list(range(2, n + 2))
    expected = [v or None for v in raw.column(col).to_pylist()]
    assert out.column("value").to_pylist() == expected
