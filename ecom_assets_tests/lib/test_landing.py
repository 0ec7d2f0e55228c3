"""Month files of the landing zone: a day is a run of rows, found from the footer, read back
exactly, whatever row groups it crosses; older day files still count."""

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecom_assets.lib import day_digest, landing
from ecom_assets.lib.csv_reader import UnreadableFile

NAMES = ["order_id", "customer_id"]
DAYS = [dt.date(2025, 10, d) for d in (1, 2, 3, 4)]
SIZES = [5, 0, 7, 1]  # with row groups of 3: days start and end inside row groups; one is empty


def _day(day: dt.date, rows: int) -> pa.Table:
    return pa.table(
        {
            "order_id": [f"O{day.day}-{i}" for i in range(rows)],
            "customer_id": [None if i == 2 else f"C{i}" for i in range(rows)],
            "_source_file": ["orders.csv"] * rows,
            "_source_line": pa.array(range(2, rows + 2), pa.int64()),
        },
        schema=pa.schema([("order_id", pa.string()), ("customer_id", pa.string()),
                          ("_source_file", pa.string()), ("_source_line", pa.int64())]),
    )  # fmt: skip


def _write(path: Path) -> dict[dt.date, pa.Table]:
    writer = landing.MonthWriter(path, NAMES, group_rows=3)
    tables = {}
    for day, rows in zip(DAYS, SIZES, strict=True):
        tables[day] = _day(day, rows)
        writer.add(day, tables[day])
    writer.close()
    return {d: landing.conform(t, writer.schema) for d, t in tables.items()}


def test_each_day_reads_back_exactly_across_row_groups(tmp_path: Path) -> None:
    path = landing.month_file("orders", DAYS[0], tmp_path)
    assert path.name == "2025-10.parquet"
    written = _write(path)
    landed = landing.landed_files("orders", tmp_path)
    assert list(landed) == DAYS
    assert [d.rows for d in landed.values()] == SIZES
    assert [d.offset for d in landed.values()] == [0, 5, 5, 12]
    reader = landing.MonthReader(path)
    for day, d in landed.items():
        assert d.read().equals(written[day]), day
        assert reader.read(d).equals(written[day]), day
        assert d.digest == day_digest.content_digest(written[day])
    # a run of consecutive days in one read: what staging does
    both = landing.read_rows(path, 5, 8, 3)
    assert both.equals(pa.concat_tables([written[DAYS[2]], written[DAYS[3]]]))
    assert landed[DAYS[0]].read().column_names == [
        *NAMES,
        "_source_file",
        "_source_line",
        *landing.LANDING_EXTRAS,
    ]


def test_the_same_rows_written_again_have_the_same_digests(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "orders", tmp_path / "b" / "orders"
    _write(landing.month_file("orders", DAYS[0], a.parent))
    _write(landing.month_file("orders", DAYS[0], b.parent))
    da, db = landing.landed_files("orders", a.parent), landing.landed_files("orders", b.parent)
    assert [d.digest for d in da.values()] == [d.digest for d in db.values()]
    assert len({d.digest for d in da.values()}) == len(DAYS)  # different days, different digests


def _with(table: pa.Table, column: str, values: list) -> pa.Table:
    i = table.schema.get_field_index(column)
    return table.set_column(i, table.schema.field(i), pa.array(values, table.schema.field(i).type))


def test_a_digest_follows_the_rows_not_their_chunks_and_sees_every_change() -> None:
    """The digest is hashed from the Arrow buffers: how a day is cut into chunks (the spool's parts,
    slices with offsets) must not change it, and any change of a value, of where one value ends
    and the next begins, of null against empty text, or of a line number must."""
    day = landing.conform(_day(DAYS[0], 7), landing.landed_schema(NAMES))
    digest = day_digest.content_digest(day)
    cut = pa.concat_tables([day.slice(0, 1), day.slice(1, 3), day.slice(4)])
    assert cut.column("order_id").num_chunks == 3
    assert day_digest.content_digest(cut) == digest
    assert day_digest.content_digest(day.combine_chunks()) == digest
    ids = day.column("order_id").to_pylist()
    changed = [
        _with(day, "order_id", [ids[0] + "x", *ids[1:]]),  # one value
        _with(day, "order_id", [ids[0] + ids[1][0], ids[1][1:], *ids[2:]]),  # a byte moved across
        _with(day, "customer_id", ["" if v is None else v for v in day.column("customer_id").to_pylist()]),
        _with(day, "_source_line", [n + 1 for n in day.column("_source_line").to_pylist()]),
        day.slice(0, 6),
    ]
    digests = [day_digest.content_digest(t) for t in changed]
    assert digest not in digests and len(set(digests)) == len(digests)


def test_a_month_file_wins_over_day_files_of_its_days_and_others_still_count(tmp_path: Path) -> None:
    folder = landing.table_dir("orders", tmp_path)
    _write(landing.month_file("orders", DAYS[0], tmp_path))
    landing.write_day(folder / "2025-10-01.parquet", _day(DAYS[0], 9))  # an older landing's file
    landing.write_day(folder / "2025-09-30.parquet", _day(dt.date(2025, 9, 30), 2))
    landed = landing.landed_files("orders", tmp_path)
    assert list(landed) == [dt.date(2025, 9, 30), *DAYS]
    assert landed[DAYS[0]].path.name == "2025-10.parquet" and landed[DAYS[0]].rows == 5
    old = landed[dt.date(2025, 9, 30)]
    assert (old.offset, old.rows, old.digest) == (None, 2, None) and old.read().num_rows == 2
    assert landing.landed_days("orders", DAYS[1], DAYS[3], tmp_path).keys() == {DAYS[1], DAYS[2]}


def test_an_aborted_month_leaves_the_old_file_and_a_damaged_one_is_named(tmp_path: Path) -> None:
    path = landing.month_file("orders", DAYS[0], tmp_path)
    _write(path)
    before = path.read_bytes()
    writer = landing.MonthWriter(path, NAMES, group_rows=3)
    writer.add(DAYS[0], _day(DAYS[0], 1))
    writer.abort()
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
    path.write_bytes(before[: len(before) // 2])
    with pytest.raises(UnreadableFile, match=r"orders/2025-10.parquet: not a readable landed file"):
        landing.landed_files("orders", tmp_path)


def test_only_columns_with_few_distinct_values_are_dictionary_encoded(tmp_path: Path) -> None:
    path = tmp_path / "orders" / "2025-10.parquet"
    writer = landing.MonthWriter(path, NAMES, group_rows=3)
    writer.add(DAYS[0], _day(DAYS[0], 40))  # unique ids, customer ids and lines
    writer.close()
    column = pq.ParquetFile(path).metadata.row_group(0).column
    encodings = {column(i).path_in_schema: column(i).encodings for i in range(len(writer.schema))}
    assert not any("DICTIONARY" in e for e in encodings["order_id"])
    assert any("DICTIONARY" in e for e in encodings["_source_file"])  # one value
    assert landing.dictionary_columns(_day(DAYS[0], 40)) == ["_source_file"]
    empty = tmp_path / "orders" / "2025-11.parquet"
    writer = landing.MonthWriter(empty, NAMES)
    writer.close()  # a month with no rows is still a readable file
    assert pq.ParquetFile(empty).metadata.num_rows == 0
