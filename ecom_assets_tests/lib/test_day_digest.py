"""``day_digests`` (many days of one table at once, as the month writer takes them) must give
exactly ``content_digest`` of each day alone, however the table is cut into chunks: a landed day
whose digest changed without its rows changing is loaded again, and one whose rows changed
without its digest changing is skipped."""

import datetime as dt
import random

import pyarrow as pa
import pytest

from ecom_assets.lib.day_digest import content_digest, day_digests


def _table(rows: int, seed: int) -> pa.Table:
    rnd = random.Random(seed)
    words = ["", "a", "é€", "x,y", "\n", "long " * 30, "NULL"]
    text = [None if rnd.random() < 0.2 else rnd.choice(words) + str(rnd.randrange(1000)) for _ in range(rows)]
    sparse = [rnd.choice(words) if rnd.random() < 0.05 else None for _ in range(rows)]
    return pa.table(
        {
            "order_id": pa.array([f"O{i}" for i in range(rows)], pa.string()),
            "note": pa.array(text, pa.string()),
            "mostly_null": pa.array(sparse, pa.string()),
            "big": pa.array(text, pa.large_string()),
            "_source_line": pa.array([None if i % 97 == 5 else i + 2 for i in range(rows)], pa.int64()),
            "day": pa.array(
                [dt.date(2025, 1, 1) + dt.timedelta(days=i % 40) for i in range(rows)], pa.date32()
            ),
            "empty": pa.array([""] * rows, pa.string()),
        }
    )


def _spans(rows: int, seed: int) -> list[tuple[int, int]]:
    rnd = random.Random(seed)
    cuts = sorted(rnd.sample(range(1, rows), 40))
    bounds = [0, *cuts, rows]
    spans = [(a, b - a) for a, b in zip(bounds, bounds[1:], strict=False)]
    return [*spans, (0, rows), (7, 0), (rows, 0), (rows - 1, 1), (3, 250)]  # overlapping, empty, last


def _chunkings(t: pa.Table) -> dict[str, pa.Table]:
    rnd = random.Random(3)
    cuts = sorted(rnd.sample(range(1, t.num_rows), 25))
    bounds = [0, *cuts, t.num_rows]
    return {
        "one chunk": t.combine_chunks(),
        "many chunks": pa.concat_tables(
            [t.slice(a, b - a) for a, b in zip(bounds, bounds[1:], strict=False)]
        ),
        "chunks of one row and empty ones": pa.concat_tables(
            [t.slice(0, 1), t.slice(1, 0), t.slice(1, 1), t.slice(2)]
        ),
        "a slice with an offset": pa.concat_tables([t.slice(0, 5), t]).slice(5),
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_many_days_at_once_give_each_day_its_own_digest(seed: int) -> None:
    t = _table(600, seed)
    spans = _spans(t.num_rows, seed)
    want = [content_digest(t.slice(a, n)) for a, n in spans]
    assert len(set(want[:-5])) == len(want) - 5  # the days differ, so must their digests
    for how, chunked in _chunkings(t).items():
        assert chunked.equals(t)
        assert day_digests(chunked, spans) == want, how


def test_a_changed_value_changes_its_day_only() -> None:
    t = _table(300, 5).combine_chunks()
    spans = [(0, 100), (100, 100), (200, 100)]
    before = day_digests(t, spans)
    note = t.column("note").to_pylist()
    i = next(k for k in range(100, 200) if note[k] is not None)  # in the second day
    note[i] = note[i] + "!"
    changed = t.set_column(1, "note", pa.array(note, pa.string()))
    after = day_digests(changed, spans)
    assert after[0] == before[0] and after[2] == before[2]
    assert after[1] != before[1] and after[1] == content_digest(changed.slice(100, 100))
    nulls = t.column("mostly_null").to_pylist()
    j = next(k for k in range(200, 300) if nulls[k] is None)
    nulls[j] = ""  # null against empty text, in the third day
    emptied = t.set_column(2, "mostly_null", pa.array(nulls, pa.string()))
    assert day_digests(emptied, spans)[:2] == before[:2] and day_digests(emptied, spans)[2] != before[2]


def test_a_column_of_another_type_takes_the_day_by_day_way() -> None:
    t = _table(50, 9).append_column("flag", pa.array([i % 3 == 0 for i in range(50)]))
    spans = [(0, 20), (20, 30)]
    assert day_digests(t, spans) == [content_digest(t.slice(a, n)) for a, n in spans]
