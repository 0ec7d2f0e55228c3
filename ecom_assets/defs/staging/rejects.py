"""The rejects table of a validated chunk: one row per rejected line, with every rule it broke.

Each rejected line gets the first column at fault and its value, the rules it broke (each once),
all its problems as JSON, and the line as the export wrote it (the landed raw bytes of a line
that could not be split into fields, else the export's columns written back as CSV).

A line with a single problem, which is nearly every reject and every one of a mass reject (an
``ECOM_START_DATE`` that leaves out a year of history, a column of a type the export gets wrong on
every line), is built column-wise with Arrow. Built line by line in Python, 719k clickstream
lines outside the window took 35 s to reject against 6 s to load them. Lines with several
problems go the line-by-line way. ``test_rejects_table.py`` holds the two ways to the same
bytes.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.defs.staging.read import LANDING_EXTRAS, PROVENANCE, RAW, SOURCE_FILE, SOURCE_LINE
from ecom_assets.lib.contracts import DAY_COLUMN, SourceTable
from ecom_assets.lib.values.common import first_of_equal, row_codes

COLUMNS = ["source_file", "source_line", "column_name", "value", "rule", "problems", "raw_record"]
_CONTROL = r"[\x00-\x1f]"  # characters json.dumps writes as escapes


def empty(table: SourceTable) -> pa.Table:
    types = [pa.string(), pa.int64(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string()]
    cols = COLUMNS
    if table.is_event:
        cols, types = [DAY_COLUMN, *cols], [pa.date32(), *types]
    return pa.table({c: pa.array([], t) for c, t in zip(cols, types, strict=True)})


def reject_table(
    table: SourceTable,
    raw: pa.Table,
    rows: np.ndarray,
    cols: np.ndarray,
    rules: np.ndarray,
    codes: np.ndarray,
    columnwise: bool = True,
) -> pa.Table:
    """The rejects of ``raw`` from its problems (one per row, column and rule; several per row).
    ``columnwise=False``: every line the line-by-line way (what the tests compare with)."""
    if not len(rows):
        return empty(table)
    export_cols = [c for c in raw.column_names if c not in (*PROVENANCE, DAY_COLUMN, *LANDING_EXTRAS)]
    position = {c: i for i, c in enumerate(table.columns)}  # a line's problems in column order
    col_order = np.asarray([position.get(c, len(position)) for c in cols.tolist()], dtype=np.int64)
    order = np.lexsort((np.arange(len(rows)), col_order, rows))
    rows, cols, rules, codes = rows[order], cols[order], rules[order], codes[order]
    # a rule broken twice in one column counts once: the first of each (row, column, rule)
    first = ~first_of_equal(row_codes([rows, *(pa.array(x.tolist(), pa.string()) for x in (cols, rules))]))[0]
    rows, cols, rules, codes = rows[first], cols[first], rules[first], codes[first]
    uniq, starts, counts = np.unique(rows, return_index=True, return_counts=True)
    single = counts == 1 if columnwise else np.zeros(len(uniq), dtype=bool)
    parts = []
    if single.any():
        at = starts[single]
        parts.append(_single(raw, export_cols, uniq[single], cols[at], rules[at], codes[at]))
    if not single.all():
        several = np.isin(rows, uniq[~single])
        parts.append(_by_line(raw, export_cols, rows[several], cols[several], rules[several], codes[several]))
    built = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
    lines = np.concatenate([uniq[single], uniq[~single]])
    built = built.take(pa.array(np.argsort(lines, kind="stable"), pa.int64()))  # back in line order
    take = pa.array(uniq, pa.int64())
    out: dict[str, pa.Array | pa.ChunkedArray] = {}
    if table.is_event:
        out[DAY_COLUMN] = raw.column(DAY_COLUMN).take(take)
    out["source_file"] = raw.column(SOURCE_FILE).take(take)
    out["source_line"] = raw.column(SOURCE_LINE).take(take)
    for c in COLUMNS[2:]:
        out[c] = built.column(c)
    return pa.table(out)


# ---------------------------------------------------------------- one problem per line: by column


def _single(
    raw: pa.Table,
    export_cols: list[str],
    rows: np.ndarray,
    cols: np.ndarray,
    rules: np.ndarray,
    codes: np.ndarray,
) -> pa.Table:
    value = _values_at(raw, export_cols, rows, cols)
    problems = pc.binary_join_element_wise(
        '[{"column": ', _json_of(cols), ', "value": ', _json_strings(value), ', "rule": ', _json_of(rules),
        ', "class": ', _json_of(codes), "}]", "",
    )  # fmt: skip
    written = _csv_lines(raw.select(export_cols).take(pa.array(rows, pa.int64())))
    if RAW in raw.column_names:
        written = pc.coalesce(raw.column(RAW).take(pa.array(rows, pa.int64())), written)
    return pa.table({
        "column_name": pa.array(cols.tolist(), pa.string()),
        "value": pc.if_else(pc.equal(value, ""), pa.scalar(None, pa.string()), value),
        "rule": pa.array(rules.tolist(), pa.string()),
        "problems": problems.cast(pa.string()),
        "raw_record": written.cast(pa.string()),
    })  # fmt: skip


def _values_at(raw: pa.Table, export_cols: list[str], rows: np.ndarray, cols: np.ndarray) -> pa.Array:
    """The value of each row's column (null where there is no column or the export has none)."""
    value = pa.nulls(len(rows), pa.string())
    for c in {c for c in cols.tolist() if c in export_cols}:
        where = np.flatnonzero(cols == c)
        taken = raw.column(c).take(pa.array(rows[where], pa.int64())).combine_chunks().cast(pa.string())
        hit = np.zeros(len(rows), dtype=bool)
        hit[where] = True
        spread = np.zeros(len(rows), dtype=np.int64)
        spread[where] = np.arange(len(where))
        value = pc.if_else(pa.array(hit), taken.take(pa.array(spread, pa.int64())), value)
    return value


def _json_of(items: np.ndarray) -> pa.Array:
    """JSON of few distinct strings (columns, rules, classes): each encoded once."""
    encoded = {v: json.dumps(v, ensure_ascii=False) for v in set(items.tolist())}
    return pa.array([encoded[v] for v in items.tolist()], pa.string())


def _json_strings(text: pa.Array) -> pa.Array:
    """``json.dumps(v, ensure_ascii=False)`` of every value: backslash and quote escaped with
    Arrow; a value with a control character (rare) through ``json.dumps`` itself."""
    escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    out = pc.binary_join_element_wise('"', escaped, '"', "")
    out = pc.fill_null(out, "null")
    control = np.flatnonzero(pc.fill_null(pc.match_substring_regex(text, _CONTROL), False).to_numpy(False))
    if len(control):
        fixed = out.to_pylist()
        for i in control.tolist():
            fixed[i] = json.dumps(text[i].as_py(), ensure_ascii=False)
        out = pa.array(fixed, pa.string())
    return out


def _csv_lines(sub: pa.Table) -> pa.Array:
    """The rows as ``csv.writer(lineterminator="")`` writes them: a value holding a comma or a
    quote quoted (quotes doubled), nothing else; a lone empty value as ``""``."""
    fields = []
    for col in sub.columns:
        text = pc.fill_null(col.combine_chunks().cast(pa.string()), "")
        needs = pc.match_substring_regex(text, '[,"]')
        wrapped = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        fields.append(pc.if_else(needs, wrapped, text))
    if len(fields) == 1:
        return pc.if_else(pc.equal(fields[0], ""), '""', fields[0])
    return pc.binary_join_element_wise(*fields, ",")


# ---------------------------------------------------------------- several problems: line by line


def _csv_line(values_: list[object]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(["" if v is None else v for v in values_])
    return buf.getvalue()


def _by_line(
    raw: pa.Table,
    export_cols: list[str],
    rows: np.ndarray,
    cols: np.ndarray,
    rules: np.ndarray,
    codes: np.ndarray,
) -> pa.Table:
    uniq = np.unique(rows)
    sub = raw.take(pa.array(uniq, pa.int64()))
    records = sub.select(export_cols).to_pylist()
    raw_text = sub.column(RAW).to_pylist() if RAW in raw.column_names else [None] * len(uniq)
    at = {int(r): i for i, r in enumerate(uniq.tolist())}
    per_row: dict[int, list[tuple]] = {}
    for r, c, ru, co in zip(rows.tolist(), cols.tolist(), rules.tolist(), codes.tolist(), strict=True):
        per_row.setdefault(r, []).append((c, ru, co))
    out_col, out_val, out_rule, out_problems, out_raw = [], [], [], [], []
    for r in uniq.tolist():
        rec = records[at[r]]
        items = [
            {"column": c, "value": rec.get(c) if c else None, "rule": ru, "class": co}
            for c, ru, co in per_row[r]
        ]
        first = next((i for i in items if i["column"]), None)
        several = len({i["column"] for i in items}) > 1
        text = "; ".join(
            f"{i['column']}: {i['rule']}" if several and i["column"] else i["rule"] for i in items
        )
        out_col.append(first["column"] if first else None)
        out_val.append((first["value"] or None) if first else None)
        out_rule.append(text)
        out_problems.append(json.dumps(items, ensure_ascii=False))
        out_raw.append(raw_text[at[r]] if raw_text[at[r]] is not None else _csv_line(list(rec.values())))
    return pa.table({
        "column_name": pa.array(out_col, pa.string()),
        "value": pa.array(out_val, pa.string()),
        "rule": pa.array(out_rule, pa.string()),
        "problems": pa.array(out_problems, pa.string()),
        "raw_record": pa.array(out_raw, pa.string()),
    })  # fmt: skip
