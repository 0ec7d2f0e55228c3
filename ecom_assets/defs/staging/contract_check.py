"""The staging contract check: the staged rows of a run's window re-validated with the pandera model.

The rows are read back through ``COPY`` in slices of consecutive days (``slices``: at most about
``SLICE_ROWS`` staged rows each, from the load ledger), parsed into the contract's types by
``lib/values`` and validated lazily, so a row damaged after loading is still caught while the
memory a run holds stays bounded whatever the scale. The other staging checks are in ``checks.py``.
"""

import io

import dagster as dg
import pandas as pd
import pandera.errors as pa_errors
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

from ecom_assets.defs.staging.checks import CONTRACT, Window, load_sql, markdown, table_names
from ecom_assets.lib import values
from ecom_assets.lib.contracts import SourceTable


def staged_frame(conn: psycopg.Connection, src: SourceTable, window: Window) -> pd.DataFrame:
    """The staged window, parsed back into the contract's pandas types."""
    kinds = src.column_kinds()
    cols = [
        sql.SQL("{c}::int AS {c}").format(c=sql.Identifier(c)) if k == "bool" else sql.Identifier(c)
        for c, k in kinds.items()
    ]
    stmt = sql.SQL(load_sql("contract_rows.sql").strip().rstrip(";")).format(
        columns=sql.SQL(", ").join(cols), window=window.where(), **table_names(src)
    )
    conn.execute("SET LOCAL DateStyle TO 'ISO, YMD'")
    buf = io.BytesIO()
    with conn.cursor() as cur, cur.copy(stmt, window.params) as copy:
        for chunk in copy:
            buf.write(chunk)
    buf.seek(0)
    names = list(kinds)
    table = pacsv.read_csv(
        buf,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False
        ),
    )
    parsed = {c: values.parse(table.column(c), k) for c, k in kinds.items()}
    return typed_frame({c: p.typed for c, p in parsed.items()})


def typed_frame(typed: dict[str, pa.Array]) -> pd.DataFrame:
    """Parsed columns as the pandas types the pandera models declare."""
    mapper = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get
    df = pa.table(typed).to_pandas(types_mapper=mapper)
    for name, arr in typed.items():  # dates as pandas timestamps, as the model declares
        if pa.types.is_date32(arr.type):
            df[name] = pd.to_datetime(df[name]).astype("datetime64[us]")
    return df


def pandera_failures(table: SourceTable, df: pd.DataFrame) -> pd.DataFrame:
    """Lazy pandera validation: failure cases (column, check, failure_case, index), empty when valid."""
    try:
        table.model.validate(df, lazy=True)
    except pa_errors.SchemaErrors as exc:
        fc = exc.failure_cases
        bad = fc[fc["index"].isna()]
        if len(bad):  # a schema-level problem (dtype, missing column) is a bug in parsing, not bad data
            raise RuntimeError(f"contract {table.name}: schema failure {bad.to_dict('records')}") from None
        return fc
    return pd.DataFrame(
        columns=["schema_context", "column", "check", "check_number", "failure_case", "index"]
    )


SLICE_ROWS = 200_000


def slices(conn: psycopg.Connection, src: SourceTable, window: Window) -> list[Window]:
    """The window cut into runs of consecutive days of at most about ``SLICE_ROWS`` staged rows
    (from the load ledger), so re-validation holds a bounded frame whatever the scale: a month of
    clickstream at scale 100 is 600k rows, which made the staging step the backfill's memory peak."""
    if window.is_all:
        return [window]
    days = conn.execute(
        "SELECT day, rows_staged FROM ops.staging_loads WHERE table_name = %s AND day >= %s AND day < %s "
        "ORDER BY day",
        (src.name, window.start, window.end),
    ).fetchall()
    out, start, rows = [], window.start, 0
    for day, n in days:
        if day in window.exclude:
            continue
        if rows and rows + n > SLICE_ROWS:
            out.append(Window(start, day, window.exclude))
            start, rows = day, 0
        rows += n
    out.append(Window(start, window.end, window.exclude))
    return out


def contract_check(conn: psycopg.Connection, src: SourceTable, window: Window) -> dg.AssetCheckResult:
    rows, failures, samples = 0, 0, []
    for part in slices(conn, src, window):
        df = staged_frame(conn, src, part)
        fc = pandera_failures(src, df)
        rows += len(df)
        failures += len(fc)
        if len(fc) and sum(len(x) for x in samples) < 20:
            samples.append(fc.head(20))
    sample = (
        pd.concat(samples).head(20)
        if samples
        else pd.DataFrame(columns=["column", "check", "failure_case", "index"])
    )
    return dg.AssetCheckResult(
        check_name=CONTRACT,
        passed=failures == 0,
        description=f"{rows:,} staged rows validated ({window.describe()}), {failures:,} failure case(s)",
        metadata={
            "rows_validated": rows,
            "scope": window.describe(),
            "failure_cases": failures,
            "failure_sample": dg.MetadataValue.md(
                markdown(
                    ["column", "check", "failure_case", "index"],
                    list(sample[["column", "check", "failure_case", "index"]].itertuples(index=False)),
                )
            ),
        },
    )
