"""The tolerant CSV reader: records, their first physical lines, and row-level faults."""

import csv
import io
from pathlib import Path

import pytest

from ecom_assets.lib import csv_reader as cr
from ecom_assets.lib import csv_records

CASES = {
    "clean": (b"a,b,c\n1,2,3\n4,5,6\n", [(2, "1"), (3, "4")], []),
    "crlf, quoted newline, blank line": (b'a,b,c\r\n1,"x\r\ny",3\r\n\r\n4,5,6\r\n', [(2, "1"), (5, "4")], []),
    "cut off": (b"a,b,c\n1,2,3\n4,5", [(2, "1")], [(3, cr.CUT_OFF)]),
    "quote open at the end": (b'a,b,c\n1,2,3\n4,"5\n6\n', [(2, "1")], [(3, cr.UNCLOSED_QUOTE)]),
    "too few and too many": (
        b"a,b,c\n1,2\n1,2,3,4\n7,8,9\n",
        [(4, "7")],
        [(2, cr.TOO_FEW), (3, cr.TOO_MANY)],
    ),
    "not utf-8": (b"a,b,c\n1,\xe9t\xe9,3\n4,5,6\n", [(3, "4")], [(2, cr.INVALID_UTF8)]),
    "nul byte": (b"a,b,c\n1,2\x00,3\n4,5,6\n", [(3, "4")], [(2, cr.NUL_BYTE)]),
    "header repeated": (b"a,b,c\n1,2,3\na,b,c\n4,5,6\n", [(2, "1"), (4, "4")], [(3, cr.REPEATED_HEADER)]),
    "header with BOM repeated": (
        b"\xef\xbb\xbfa,b,c\n1,2,3\n\xef\xbb\xbfa,b,c\n4,5,6\n",
        [(2, "1"), (4, "4")],
        [(3, cr.REPEATED_HEADER)],
    ),
    "header repeated, crlf": (
        b"a,b,c\r\n1,2,3\r\na,b,c\r\n4,5,6\r\n",
        [(2, "1"), (4, "4")],
        [(3, cr.REPEATED_HEADER)],
    ),
    "header's text inside lines, not a line": (
        b'a,b,c\nxa,b,c\n"a,b,c",1,2\n',
        [(2, "xa"), (3, "a,b,c")],
        [],
    ),
    # a quote inside an unquoted value, as pyarrow and Python's csv both read it
    "stray quote": (b'a,b,c\n1,2"x,3\n4,5,6\n', [(2, "1"), (3, "4")], []),
    "stray quote and a quoted newline": (
        b'a,b,c\n1,2"x,3\n4,"5\n5",6\n7,8,9\n',
        [(2, "1"), (3, "4"), (5, "7")],
        [],
    ),
}


@pytest.mark.parametrize("block_size", [1 << 24, 8], ids=["one block", "tiny blocks"])
@pytest.mark.parametrize("name", list(CASES))
def test_records_lines_and_faults(tmp_path: Path, name: str, block_size: int) -> None:
    data, rows, faults = CASES[name]
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    batches = list(cr.read_batches(path, block_size=block_size))
    got_rows = [
        (int(line), r["a"]) for b in batches for line, r in zip(b.lines, b.rows.to_pylist(), strict=True)
    ]
    assert got_rows == rows
    assert [(f.line, f.code) for b in batches for f in b.faults] == faults


def test_values_keep_their_text_exactly(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b'a,b,c\n" 1 ","say ""hi""","x\r\ny"\n')
    (batch,) = cr.read_batches(path)
    assert batch.rows.to_pylist() == [{"a": " 1 ", "b": 'say "hi"', "c": "x\r\ny"}]


def test_a_faulted_line_keeps_its_bytes_losslessly(tmp_path: Path) -> None:
    line = b'1,caf\xe9 \\x41 back\\slash,"3"'
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b,c\n" + line + b"\n")
    (fault,) = [f for b in cr.read_batches(path) for f in b.faults]
    assert (fault.code, fault.column, fault.rule) == (cr.INVALID_UTF8, "b", "bytes that are not UTF-8 (0xe9)")
    assert fault.raw == '1,caf\\xe9 \\\\x41 back\\\\slash,"3"'
    assert cr.unescape(fault.raw) == line


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "x.csv: empty file"),
        (b"\xff\xfea\x00,\x00b\x00\n", "x.csv: line 1 (the header): not UTF-8 text"),
        (b"a,b,a\n1,2,3\n", "x.csv: line 1 (the header): column(s) named twice: a"),
        (
            b"a,b\n" + b"".join(b"%d,Ren\xe9e\n" % i for i in range(12)),
            "x.csv: not UTF-8 text as a whole (12 of 12 records have bytes that are not UTF-8",
        ),
    ],
    ids=["empty", "utf-16", "duplicate column", "latin-1"],
)
def test_file_level_faults_fail_with_one_message(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(cr.UnreadableFile) as err:
        list(cr.read_batches(path))
    assert str(err.value).startswith(message), str(err.value)


def test_one_stray_byte_in_many_lines_is_a_row_fault_not_a_file_fault(tmp_path: Path) -> None:
    body = b"".join(b"%d,x\n" % i for i in range(200)) + b"200,Ren\xe9e\n"
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n" + body)
    batches = list(cr.read_batches(path))
    assert sum(b.rows.num_rows for b in batches) == 200
    assert [f.line for b in batches for f in b.faults] == [202]


def test_a_long_file_in_small_blocks_numbers_every_line(tmp_path: Path) -> None:
    lines = [b'%d,"a\nb",%d' % (i, i) if i % 7 == 0 else b"%d,x,%d" % (i, i) for i in range(500)]
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b,c\n" + b"\n".join(lines) + b"\n")
    got = [
        (int(ln), r["a"])
        for b in cr.read_batches(path, block_size=64)
        for ln, r in zip(b.lines, b.rows.to_pylist(), strict=True)
    ]
    expected, line = [], 2
    for i in range(500):
        expected.append((line, str(i)))
        line += 2 if i % 7 == 0 else 1
    assert got == expected


def test_byte_counts_and_utf8_checks_agree_with_python() -> None:
    from ecom_assets.lib.csv_text import count_byte, is_utf8

    data = b'1,"a\nb",2\n3,"x""y",\xc3\xa9\n\n'
    for end in (None, 0, 5, len(data)):
        assert count_byte(data, 10, end) == data.count(b"\n", 0, len(data) if end is None else end)
        assert count_byte(data, 34, end) == data.count(b'"', 0, len(data) if end is None else end)
    assert count_byte(b"", 10) == 0
    assert is_utf8(b"plain ascii") and is_utf8("caf\u00e9 \u20ac".encode()) and is_utf8(b"")
    assert not is_utf8(b"caf\xe9") and not is_utf8(b"\xc3")


# quotes inside unquoted values, in blocks that go through the exact path (a fault in them)
LITERAL_QUOTES = {
    "stray byte before a quoted value": (b'a,b,c\n1,\xe9"x",3\n4,"5\n5",6\n7,8,9\n', True),
    # an odd quote fools the quote parity that blocks are cut by: Python's csv from there on
    "inch mark, NUL, quoted newline": (b'a,b,c\n1,5" screen,3\n2,\x00,3\n4,"5\n6",7\n', False),
    "inch mark and NUL": (b'a,b,c\n1,5" screen,3\n2,\x00,3\n4,"5",7\n', True),
    "inch marks doubled, no quote after": (b'a,b,c\n1,5"" x,3\n2,\x00,3\n4,5\n6,7,8\n', True),
    "two inch marks, too many fields": (b'a,b,c\n1,5" x,6" y,3\n\xe9\n4,"5",6\n', True),
    "inch mark at the end, cut off": (b'a,b,c\n\xe9\n1,2,3\n4,5" x', True),
    "closing quote followed by text": (b'a,b,c\n1,"x"y,3\n4,5,6\n\xe9\n', False),
}


@pytest.mark.parametrize("block_size", [1 << 24, 8], ids=["one block", "tiny blocks"])
@pytest.mark.parametrize("name", list(LITERAL_QUOTES))
def test_quotes_inside_unquoted_values_read_as_pythons_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, block_size: int
) -> None:
    from ecom_assets.lib import csv_fallback

    data, fast = LITERAL_QUOTES[name]
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    header = cr.read_header(path)
    expected = list(csv_fallback.read_rest(path, header.size, 2, header.names, {header.line}))

    def flatten(batches: list) -> tuple:
        rows = [(int(ln), r) for b in batches for ln, r in zip(b.lines, b.rows.to_pylist(), strict=True)]
        # (the rule of a cut-off line is worded differently by the fallback)
        return rows, [(f.line, f.code, f.raw, f.column) for b in batches for f in b.faults]

    if fast and block_size > len(data):  # the block stays on the fast path: no Python csv
        monkeypatch.setattr(csv_fallback, "read_rest", None)
    assert flatten(list(cr.read_batches(path, block_size=block_size))) == flatten(expected)


def _calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[bytes]:
    """The blocks ``Reader.<name>`` is called with from now on (it still does its work)."""
    calls: list[bytes] = []
    real = getattr(csv_records.Reader, name)
    monkeypatch.setattr(
        csv_records.Reader, name, lambda self, block, *a: calls.append(block) or real(self, block, *a)
    )
    return calls


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_lines_with_the_wrong_number_of_fields_cost_one_parse_of_their_block(
    tmp_path: Path, newline: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block whose only faults are lines with too many or too few fields (an unquoted comma)
    keeps the rows of its one parse when that parse skipped exactly those lines; the rows, their
    lines and the faults are what Python's csv module reads, quoted commas and newlines included."""
    lines = []
    for i in range(3000):
        if i % 301 == 7:
            lines.append(b"%d,Main St, Springfield,%d" % (i, i))  # an unquoted comma: 4 fields
        elif i % 499 == 11:
            lines.append(b"%d,short" % i)  # 2 fields
        elif i % 13 == 0:
            lines.append(
                b'%d,"Main St, ""Apt"" 4%s2nd floor",%d' % (i, newline, i)
            )  # quoted comma and line break
        else:
            lines.append(b"%d,x%d,%d" % (i, i, i))
    lines.insert(5, b"7,Main St, Springfield,7")  # the same bad text twice
    data = b"a,b,c" + newline + newline.join(lines) + newline
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    parses = _calls(monkeypatch, "_parse")
    batches = list(cr.read_batches(path))
    assert len(parses) == 1  # the whole block, once

    expected_rows, expected_faults, line = [], [], 2
    text = data.decode()
    for record in csv.reader(io.StringIO(text[text.index("\n") + 1 :], newline="")):
        if len(record) == 3:
            expected_rows.append((line, record))
        else:
            expected_faults.append((line, cr.TOO_MANY if len(record) > 3 else cr.TOO_FEW))
        line += 1 + sum(v.count("\n") for v in record)
    got_rows = [
        (int(ln), list(r.values()))
        for b in batches
        for ln, r in zip(b.lines, b.rows.to_pylist(), strict=True)
    ]
    assert got_rows == expected_rows
    assert [(f.line, f.code) for b in batches for f in b.faults] == expected_faults
    assert len(expected_faults) == 10 + 7  # the bad lines are there to be found


@pytest.mark.parametrize(
    "tail, code",
    [(b"3000,x30", cr.CUT_OFF), (b'3000,"x\n30', cr.UNCLOSED_QUOTE)],
    ids=["cut off", "quote open"],
)
def test_a_file_cut_off_mid_line_reads_its_complete_lines_in_one_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tail: bytes, code: str
) -> None:
    """Blocks end at the last record end, so the line a file was cut off in is a block of its own:
    the complete records before it take the one-parse way, only that line the exact way, and it is
    the one fault."""
    lines = [b'%d,"a, ""b"" c",%d' % (i, i) if i % 17 == 0 else b"%d,x%d,%d" % (i, i, i) for i in range(3000)]
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b,c\n" + b"\n".join(lines) + b"\n" + tail)
    parses, exact = _calls(monkeypatch, "_parse"), _calls(monkeypatch, "_exact")
    batches = list(cr.read_batches(path))
    assert len(parses) == 1 and exact == [tail]  # the exact way for the cut-off line only
    got = [(int(ln), r["a"]) for b in batches for ln, r in zip(b.lines, b.rows.to_pylist(), strict=True)]
    assert got == [(i + 2, str(i)) for i in range(3000)]
    assert [(f.line, f.code, f.raw) for b in batches for f in b.faults] == [(3002, code, cr.escape(tail))]
