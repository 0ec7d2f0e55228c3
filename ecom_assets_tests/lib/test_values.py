"""Values as exports write them -> the contract's types, exactly; what was normalized, and why not."""

import datetime as dt

import pyarrow as pa
import pytest

from ecom_assets.lib import values


def one(kind: str, text: str, places: int | None = None) -> tuple[object, object, object, list[str]]:
    p = values.parse(pa.array([text], pa.string()), kind, places)
    norm = sorted(k for k, rows in p.normalized.items() if rows[0])
    return p.text[0].as_py(), p.typed[0].as_py(), p.rules[0] if p.failed[0] else None, norm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.34", ("12.34", None, [])),
        ("1126.1999999999998", ("1126.20", None, ["float_noise"])),
        ("90.96000000000001", ("90.96", None, ["float_noise"])),
        ("0.009999999", ("0.01", None, ["float_noise"])),
        (".5", ("0.50", None, [])),
        ("+7", ("7.00", None, [])),
        ("1.5E3", ("1500.00", None, ["scientific"])),
        (" 5 ", ("5", None, ["whitespace"])),
        ("12.345", (None, "more than 2 decimal(s): not within 1e-6 of a whole cent", [])),
        ("0.285", (None, "more than 2 decimal(s): not within 1e-6 of a whole cent", [])),
        ("1e-05", (None, "more than 2 decimal(s): not within 1e-6 of a whole cent", [])),
        ("abc", (None, "not a money amount (expected a number like 12.34)", [])),
        ("1234567890123.00", (None, "number too large (at most 12 digits before the decimal point)", [])),
    ],
)
def test_money(text: str, expected: tuple) -> None:
    canonical, _, rule, norm = one("money", text)
    assert (canonical, rule, norm) == expected


def test_decimals_keep_their_declared_places_exactly() -> None:
    assert one("decimal", "0.285")[:3] == ("0.285", 0.285, None)  # never 0.28: no float round trip
    assert one("decimal", "0.28500000000000003")[0] == "0.2850"
    assert one("decimal", "0.0345678")[2] == "more than 4 decimal(s): not within 1e-6 of a multiple of 0.0001"
    assert (
        one("decimal", "4.25", places=1)[2] == "more than 1 decimal(s): not within 1e-6 of a multiple of 0.1"
    )
    assert one("decimal", "4.3000000001", places=1)[:2] == ("4.3", 4.3)
    assert one("decimal", "123456789.5")[2] == "number too large (at most 8 digits before the decimal point)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", ("3", 3, None, [])),
        ("3.0", ("3", 3, None, ["int_fraction"])),
        ("2.9999999999", ("3", 3, None, ["float_noise"])),
        ("1e3", ("1000", 1000, None, ["scientific"])),
        ("3.5", (None, None, "not an integer", [])),
        ("two", (None, None, "not an integer", [])),
    ],
)
def test_integers(text: str, expected: tuple) -> None:
    assert one("int", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-01 10:00:00", ("2025-10-01 10:00:00", dt.datetime(2025, 10, 1, 10), None, [])),
        (
            "2025-10-01T10:00:00Z",
            ("2025-10-01 10:00:00", dt.datetime(2025, 10, 1, 10), None, ["iso_timestamp"]),
        ),
        (
            "2026-01-05T23:30:00-05:00",
            ("2026-01-06 04:30:00", dt.datetime(2026, 1, 6, 4, 30), None, ["iso_timestamp"]),
        ),
        (
            "2025-10-01T10:00+0200",
            ("2025-10-01 08:00:00", dt.datetime(2025, 10, 1, 8), None, ["iso_timestamp"]),
        ),
        ("2025-10-01 10:00", ("2025-10-01 10:00:00", dt.datetime(2025, 10, 1, 10), None, ["iso_timestamp"])),
        ("2025-10-01", ("2025-10-01 00:00:00", dt.datetime(2025, 10, 1), None, ["date_as_timestamp"])),
        (
            "2025-10-01 10:00:00.123456789",
            (
                "2025-10-01 10:00:00.123456",
                dt.datetime(2025, 10, 1, 10, 0, 0, 123456),
                None,
                ["ts_precision"],
            ),
        ),
        ("2025-02-30 10:00:00", (None, None, values.RULES["ts"], [])),
        ("2025-10-01 25:00:00", (None, None, values.RULES["ts"], [])),
    ],
)
def test_timestamps(text: str, expected: tuple) -> None:
    assert one("ts", text) == expected


def test_a_day_that_does_not_exist_fails_alone_among_canonical_values() -> None:
    dates = values.parse(pa.array(["2025-10-01", "2025-02-30", "2025-10-02 00:00:00", None]), "date")
    assert dates.text.to_pylist() == ["2025-10-01", None, "2025-10-02", None]
    assert dates.typed.to_pylist() == [dt.date(2025, 10, 1), None, dt.date(2025, 10, 2), None]
    assert dates.failed.tolist() == [False, True, False, False]
    clean = values.parse(pa.array(["2024-02-29", None, "1999-12-31"]), "date")  # all canonical: one cast
    assert clean.typed.to_pylist() == [dt.date(2024, 2, 29), None, dt.date(1999, 12, 31)]
    assert not clean.failed.any() and not any(rows.any() for rows in clean.normalized.values())
    stamps = values.parse(
        pa.array(["2025-10-01 10:00:00", "2025-02-30 10:00:00", "2025-10-01 10:00:00.5"]), "ts"
    )
    assert stamps.text.to_pylist() == ["2025-10-01 10:00:00", None, "2025-10-01 10:00:00.5"]
    assert stamps.typed.to_pylist() == [
        dt.datetime(2025, 10, 1, 10),
        None,
        dt.datetime(2025, 10, 1, 10, 0, 0, 500000),
    ]
    assert stamps.failed.tolist() == [False, True, False]


def test_year_zero_is_a_rejected_value_not_a_failed_copy_or_a_bc_date() -> None:
    # ISO 8601 and Arrow read 0000-01-01; PostgreSQL has no year 0 (CSV COPY failed the whole load)
    for kind, written in (
        ("date", "0000-01-01"),
        ("ts", "0000-01-01 10:00:00"),
        ("ts", "0000-06-01T10:00:00Z"),
        ("ts", "0001-01-01T00:30:00+01:00"),  # year 0 once in UTC,
    ):
        p = values.parse(pa.array([written, None]), kind)
        assert p.text.to_pylist() == [None, None] and p.typed.to_pylist() == [None, None]
        assert p.failed.tolist() == [True, False]
        assert p.rules[0] == values.RULES["year_zero"]
        assert not any(rows[0] for rows in p.normalized.values())
    assert values.parse_day(pa.array(["0000-01-01 10:00:00", "2025-10-01T10:00:00Z"]), "ts").to_pylist() == [
        None,
        dt.date(2025, 10, 1),
    ]


def test_a_column_mixing_spellings_keeps_each_rows_text_in_its_place() -> None:
    written = [
        "2025-10-01 10:00:00",
        "2025-10-01T11:00:00.5Z",
        None,
        "2025-10-01 12:00:00.25",
        "2025-10-01T13:00:00+01:00",
        "not a time",
        "2025-10-01",
    ]
    p = values.parse(pa.array(written, pa.string()), "ts")
    assert p.text.to_pylist() == [
        "2025-10-01 10:00:00",
        "2025-10-01 11:00:00.500000",
        None,
        "2025-10-01 12:00:00.25",
        "2025-10-01 12:00:00",
        None,
        "2025-10-01 00:00:00",
    ]
    assert p.failed.tolist() == [False, False, False, False, False, True, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-01", ("2025-10-01", dt.date(2025, 10, 1), None, [])),
        ("2025-10-01 00:00:00", ("2025-10-01", dt.date(2025, 10, 1), None, ["date_with_time"])),
        ("2025-10-01T00:00", ("2025-10-01", dt.date(2025, 10, 1), None, ["date_with_time"])),
        ("2025-10-01 14:00:00", (None, None, values.RULES["date"], [])),  # a time of day: not a date
        ("10/01/2025", (None, None, values.RULES["date"], [])),  # US or European? ambiguous
        ("2025-02-30", (None, None, values.RULES["date"], [])),
    ],
)
def test_dates(text: str, expected: tuple) -> None:
    assert one("date", text) == expected


def test_booleans_and_null_markers() -> None:
    assert one("bool", "True") == ("true", True, None, [])
    assert one("bool", "yes") == ("true", True, None, ["bool_spelling"])
    assert one("bool", "F") == ("false", False, None, ["bool_spelling"])
    assert one("bool", "maybe")[2] == values.RULES["bool"]
    for marker in values.NULL_MARKERS:
        p = values.parse(pa.array([marker]), "text")
        assert (p.text[0].as_py(), bool(p.missing[0]), bool(p.null_marker[0])) == (None, True, True)
    # a surname is not a null marker
    assert one("text", "Null") == ("Null", "Null", None, [])


def test_the_day_of_a_timestamp_is_its_utc_day() -> None:
    days = values.parse_day(pa.array(["2025-10-01T23:30:00-05:00", "2025-10-01 23:30:00", "x"]), "ts")
    assert days.to_pylist() == [dt.date(2025, 10, 2), dt.date(2025, 10, 1), None]


def test_the_day_is_the_day_of_the_parsed_value_in_every_spelling() -> None:
    # parse_day skips the canonical text parse writes; the day must stay the one of parse's value
    spellings = ["2025-10-01 23:30:00", "2025-10-01T23:30:00Z", "2025-10-01T23:30:00+02:00", "2025-10-01T23:30",
                 "2025-10-01", " 2025-10-01 00:00:01.5 ", "2025-10-01 23:30:00.1234567", "2025-02-30 10:00:00",
                 "2025-10-01T25:00:00", "NULL", "", None, "x", "1900-01-01", "2035-10-01T00:00:00-01:00"]  # fmt: skip
    for kind in ("ts", "date"):
        col = pa.array(spellings * 3, pa.string())
        typed = values.parse(col, kind).typed
        expected = typed.cast(pa.date32()) if kind == "ts" else typed
        assert values.parse_day(col, kind).equals(expected)
        assert values.parse_day(pa.chunked_array([col[:7], col[7:]]), kind).equals(expected)


SPACES = [chr(c) for c in range(0x3001) if chr(c).isspace()]  # every whitespace code point Python knows
EDGE_VALUES = [
    "plain", "", None, "Zürich", "São Paulo", "日本", "é", "NY", "Nx", "nan", "NuLL", "N/A ", " NULL", "\\N",
    *values.NULL_MARKERS, *(s + "x" for s in SPACES), *("x" + s for s in SPACES), *SPACES, "\x00x", "x\x7f",
]  # fmt: skip


@pytest.mark.parametrize(
    "column",
    [
        pytest.param(["CA", "NY", "TX", "Nevada", "N", "NaNa"], id="no edge whitespace, no marker"),
        pytest.param(["CA", "NULL", "", None, "N/A", "\\N", "None"], id="markers and empties, no whitespace"),
        pytest.param(EDGE_VALUES, id="every whitespace code point at either edge, markers, non-ASCII"),
        *(pytest.param(["ok", v, "ok2"], id=f"one value {v!r}") for v in EDGE_VALUES),
    ],
)
def test_the_fast_look_at_a_columns_edges_reads_what_the_full_trim_reads(column: list) -> None:
    """``_present`` skips trimming and the marker lookup when the bytes at the values' edges show
    neither can change anything; for every value it must give what the full way gives."""
    arr = pa.array(column, pa.string())
    for a in (
        arr,
        pa.array(["pad", *column], pa.string()).slice(1),
        pa.chunked_array([arr.slice(0, 1), arr.slice(1)]),
    ):
        fast = values._present(a)
        full = values._present_trimmed(pa.concat_arrays(a.chunks) if isinstance(a, pa.ChunkedArray) else a)
        assert fast[0].equals(full[0])
        assert fast[1].tolist() == full[1].tolist(), "whitespace rows"
        assert fast[2].to_pylist() == full[2].to_pylist(), "present text"
        assert fast[3].tolist() == full[3].tolist(), "null markers"
        assert fast[4].tolist() == full[4].tolist(), "present rows"
