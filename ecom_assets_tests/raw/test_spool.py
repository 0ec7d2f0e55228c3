"""The importer's day spool: rows gathered by day on disk come back whole and in file order."""

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from ecom_assets.defs.raw import spool
from ecom_assets.defs.raw.spool import DaySpool
from ecom_assets.lib.landing import FAULT, RAW, SOURCE_FILE, SOURCE_LINE
from ecom_assets.lib.window import Window

D = [dt.date(2025, 10, d) for d in range(1, 8)]
AS_OF = D[6]


def _rows(lines: list[int]) -> pa.Table:
    return pa.table({
        "id": [f"R{n}" for n in lines],
        SOURCE_FILE: ["x.csv"] * len(lines),
        SOURCE_LINE: pa.array(lines, pa.int64()),
    })  # fmt: skip


def _faults(lines: list[int]) -> pa.Table:
    return (
        _rows(lines)
        .append_column(FAULT, pa.array(["cut_off"] * len(lines)))
        .append_column(RAW, pa.array([f"raw {n}" for n in lines]))
    )


@pytest.mark.parametrize("buffer_rows", [3, 200_000], ids=["spooled to disk", "held in memory"])
def test_days_come_back_whole_in_file_order(tmp_path: Path, monkeypatch, buffer_rows: int) -> None:
    monkeypatch.setattr(spool, "BUFFER_ROWS", buffer_rows)
    s = DaySpool(tmp_path / "t")
    line = iter(range(2, 10_000))
    expected: dict[dt.date, list[int]] = {}
    undated: list[int] = []
    faulted: list[int] = []
    # time-ordered batches, a day spanning batches, a row out of order, undated rows and faults,
    # a big day, and a day before the window
    for days in ([D[0], D[0], D[1], None, D[1]], [D[1], D[2], D[2], D[0]], [D[3]] * 12 + [D[4]],
                 [D[4], None, D[5]], [dt.date(1900, 1, 1), D[5], D[5]]):  # fmt: skip
        lines = [next(line) for _ in days]
        s.add_by_day(_rows(lines), pa.array(days, pa.date32()))
        for n, d in zip(lines, days, strict=True):
            if d is None or d.year == 1900:
                undated.append(n)
            else:
                expected.setdefault(d, []).append(n)
        faulted.append(next(line))
        s.add_undated(_faults(faulted[-1:]))
        undated.append(faulted[-1])
    if buffer_rows == 3:
        assert any(s.parts_dir.iterdir())  # the disk path is what this case tests
    else:  # rows within the bound never touch the disk
        assert not s.parts_dir.exists()
    assert s.days() == {*D[:6], dt.date(1900, 1, 1)}
    assert s.last_row_day() == D[5]
    assert s.day_rows(D[3]) == 12

    outside, moved = s.settle(AS_OF, Window(D[0], AS_OF, "test"))
    assert (outside, moved) == (1, len(undated) - 1)
    expected[AS_OF] = sorted(undated)
    assert s.final_days() == sorted(expected)
    for day in s.final_days():
        assert s.day_rows(day) == len(expected[day])
        data = s.take_day(day)
        assert data.column(SOURCE_LINE).to_pylist() == expected[day]
        assert data.column("id").to_pylist() == [f"R{n}" for n in expected[day]]
        assert data.schema.field(SOURCE_LINE).type == pa.int64()
        if day == AS_OF:  # the faulted lines keep their columns; the others have none there
            raw = dict(zip(data.column(SOURCE_LINE).to_pylist(), data.column(RAW).to_pylist(), strict=True))
            assert raw == {n: f"raw {n}" if n in faulted else None for n in expected[day]}
    assert s.final_days() == []
    assert not s.parts_dir.exists() or not any(s.parts_dir.iterdir())  # taken parts are removed
