"""Binary COPY stores exactly what COPY of the same canonical text stores, for every staged type."""

from __future__ import annotations

import io

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from ecom_assets.lib import pg_binary

TYPES = {
    "k": "bigint NOT NULL",
    "t": "text",
    "n": "bigint",
    "d": "date",
    "ts": "timestamp",
    "b": "boolean",
    "money": "numeric(14,2)",
    "dec": "numeric(12,4)",
}
TEXT = {
    "k": ["1", "2", "3", "4", "5", "6", "7"],
    "t": ["plain", 'comma, "quote"\nnewline', "ünïcödé ✓", "", None, "\\N", " x "],
    "n": ["0", "-1", "9223372036854775807", "-9223372036854775808", None, "42", "7"],
    "d": ["2000-01-01", "1999-12-31", "1970-01-01", "2026-11-30", None, "1900-01-01", "2099-12-31"],
    "ts": [
        "2000-01-01 00:00:00",
        "1999-12-31 23:59:59.999999",
        "2026-11-30 12:34:56.5",
        "1970-01-01 00:00:01.000001",
        None,
        "2025-10-01 08:00:00",
        "1901-06-15 03:04:05.123",
    ],
    "b": ["true", "false", "true", None, "false", "true", "false"],
    "money": ["0", "-0.5", "1126.2", "999999999999.99", None, "-999999999999.99", "12.3"],
    "dec": ["0.0001", "-12345678.9999", "3", "1.5", None, "-0.0010", "99999999.9999"],
}


def _create(conn: psycopg.Connection, name: str) -> None:
    cols = ", ".join(f"{c} {t}" for c, t in TYPES.items())
    conn.execute(f"CREATE TEMP TABLE {name} ({cols})")


def _copy_binary(conn: psycopg.Connection, name: str, table: pa.Table) -> None:
    rows = pg_binary.BinaryRows(TYPES)
    assert rows.columns[0] == "k" and rows.columns[-1] == "t"  # NOT NULL first, text last
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY {name} ({', '.join(rows.columns)}) FROM STDIN (FORMAT binary)") as copy,
    ):
        copy.write(pg_binary.SIGNATURE)
        for batch in table.to_batches(max_chunksize=3):  # several encodes in one COPY
            copy.write(rows.encode(pa.Table.from_batches([batch])))
        copy.write(pg_binary.TRAILER)


def _rows(conn: psycopg.Connection, name: str) -> list[tuple]:
    cols = ", ".join(f"{c}::text" for c in TYPES)
    return conn.execute(f"SELECT {cols} FROM {name} ORDER BY n NULLS LAST, t").fetchall()


def test_binary_rows_store_what_the_text_would(conn: psycopg.Connection) -> None:
    table = pa.table({c: pa.array(v, pa.string()) for c, v in TEXT.items()})
    _create(conn, "from_text")
    _create(conn, "from_binary")
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    with conn.cursor() as cur, cur.copy("COPY from_text FROM STDIN (FORMAT csv)") as copy:
        copy.write(buf.getvalue())
    _copy_binary(conn, "from_binary", table)
    text_rows = _rows(conn, "from_text")
    assert len(text_rows) == 7
    assert _rows(conn, "from_binary") == text_rows
    # spot values that a wrong epoch, byte order or digit grouping would change
    got = {r[1]: r for r in _rows(conn, "from_binary")}
    assert got["plain"][4] == "2000-01-01 00:00:00" and got["plain"][6] == "0.00"
    assert got['comma, "quote"\nnewline'][6] == "-0.50"
    assert got["ünïcödé ✓"][6] == "1126.20" and got["ünïcödé ✓"][7] == "3.0000"


def test_typed_arrow_columns_encode_like_their_text(conn: psycopg.Connection) -> None:
    typed = {
        "k": pa.array([1, 2], pa.int64()),
        "t": pa.array(["a", None], pa.string()).dictionary_encode(),
        "n": pa.array([5, None], pa.int64()),
        "d": pa.array([0, None], pa.date32()),
        "ts": pa.array([1_000_001, None], pa.timestamp("us")),
        "b": pa.array([True, None]),
        "money": pa.array([-1126.1999999999998, None], pa.float64()),  # as validation parses it
        "dec": pa.array([7, None], pa.int64()),  # whole units
    }
    _create(conn, "typed")
    _copy_binary(conn, "typed", pa.table(typed))
    assert _rows(conn, "typed") == [
        ("1", "a", "5", "1970-01-01", "1970-01-01 00:00:01.000001", "true", "-1126.20", "7.0000"),
        ("2",) + (None,) * 7,
    ]


def test_text_that_is_not_canonical_is_refused_not_rounded() -> None:
    money = pg_binary.BinaryRows({"m": "numeric(14,2)"})
    with pytest.raises(ValueError, match="more than 2 decimals"):
        money.encode(pa.table({"m": ["1.234"]}))
    with pytest.raises(ValueError, match="more than 2 decimals"):
        money.encode(pa.table({"m": [1.234]}))
    with pytest.raises(ValueError, match="no binary COPY encoding"):
        pg_binary.BinaryRows({"j": "jsonb NOT NULL"})


def test_a_batch_with_more_text_than_one_join_holds_is_encoded_in_pieces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = pa.table({c: pa.array(v, pa.string()) for c, v in TEXT.items()})
    rows = pg_binary.BinaryRows(TYPES)
    whole = rows.encode(table)
    monkeypatch.setattr(pg_binary, "MAX_TEXT_BYTES", 10)  # every batch of more than one row splits
    assert rows.encode(table).equals(whole)
