"""docs/BENCHMARKS.md is generated from bench/results/*.json (bench/page.py): the page in the
repository is what the results render, each current figure names its command, and a benchmark's
result file is picked up by the page. No database: the page reads files only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench import page, page_log, report
from ecom_assets_tests.conftest import REPO
from ecom_assets_tests.links import slug


def test_the_page_is_what_the_results_render() -> None:
    """Edit bench/page.py or bench/fixes.md, or add results, then `python -m bench page`."""
    assert page.DOC == REPO / "docs" / "BENCHMARKS.md"
    assert page.DOC.read_text(encoding="utf-8") == page.render()


def test_every_current_result_and_target_names_its_command() -> None:
    text = page.DOC.read_text(encoding="utf-8")
    results = page.load_results()
    now = page.current(results)
    assert {r.benchmark for r in now} >= {
        "generator",
        "backfill",
        "new_day",
        "demo",
        "overhead",
        "bi_queries",
    }
    for r in now:
        command = r.data["command"]
        assert command.startswith(f"python -m bench {r.benchmark}"), r.path.name
        section = f"### {page._heading(r)}\n\nCommand: `{command}`\n\nDate: {page.when(r)} UTC; commit: "
        assert section in text, r.path.name
        assert f"load average: {page.load_of(r)}; machine: {r.data['machine']}" in text
    targets = text.split("## Targets", 1)[1].split("\n## ", 1)[0]
    rows = [
        line for line in targets.splitlines() if line.startswith("| ") and not line.startswith("| figure")
    ]
    assert len(rows) == len(page.TARGETS)
    for row in rows:
        cells = row.split(" | ")
        assert re.fullmatch(r"`python -m bench \w+.*`", cells[3]), row
        if "no result yet" not in row:  # the link goes to the section of the result it was read from
            anchor = re.search(r"\]\(#([^)]+)\)", cells[7]).group(1)
            assert any(slug(page._heading(r)) == anchor for r in now), row


def test_the_page_anchors_are_githubs() -> None:
    heading = "Dashboard and BI-tool queries, EXPLAIN ANALYZE (target < 100 ms), 2026-12-03 11:05 UTC"
    assert page.slug(heading) == slug(heading)
    assert [page.slug(h) for _, h, _ in page.BENCHMARKS] == [slug(h) for _, h, _ in page.BENCHMARKS]
    assert not [h for _, h, _ in page.BENCHMARKS if "_" in h]  # GitHub keeps them, the link test drops them


def test_every_result_keeps_its_tables_and_notes() -> None:
    """The old log's sections became result files: each keeps its tables, and each file renders."""
    results = page.load_results()
    assert len(results) >= 48
    for r in results:
        body = r.data["body"]
        assert body and all(("text" in b) != ("headers" in b) for b in body), r.path.name
        for b in body:
            assert all(len(row) == len(b["headers"]) for row in b.get("rows", [])), r.path.name
        assert report.blocks(report.render_blocks(body)) == body


def _write(folder: Path, name: str, command: str, utc: str, title: str = "T") -> None:
    record = {
        "format": 1, "benchmark": report.benchmark_of(command), "title": title, "utc": utc,
        "command": command, "commit": "abc1234", "machine": "m", "load_before": "1.0/1.0/1.0",
        "load_after": "2.0/1.0/1.0", "body": [{"headers": ["scale", "s"], "rows": [["1", "2"]]}],
    }  # fmt: skip
    (folder / name).write_text(json.dumps(record), encoding="utf-8")


def test_current_is_the_newest_result_per_configuration_and_scale(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", "python -m bench generator --scales 1,100 --runs 3", "20261101T000000Z")
    _write(tmp_path, "b.json", "python -m bench generator --scales 100 --runs 1", "20261102T000000Z")
    _write(tmp_path, "c.json", "python -m bench generator --scales 1,10 --runs 3", "20261103T000000Z")
    _write(tmp_path, "d.json", "python -m bench demo --scale 1 --runs 3", "20261101T000000Z")
    _write(tmp_path, "e.json", "python -m bench demo --scale 1 --runs 3 --planned-subset", "20261102T000000Z")
    _write(
        tmp_path,
        "f.json",
        "python -m bench bi_queries --db postgresql://x/y --publish --runs 5",
        "20261101T000000Z",
    )
    _write(tmp_path, "g.json", "python -m bench bi_queries --runs 5", "20261102T000000Z")
    (tmp_path / "raw.json").write_text(json.dumps({"benchmark": "ingest", "tables": {}}), encoding="utf-8")
    results = page.load_results(tmp_path)
    assert [r.path.name for r in page.current(results)] == ["c.json", "g.json", "e.json", "b.json", "d.json"]
    assert page.configuration("python -m bench staging --rows 0 --import-rows 75 --runs=3") == (
        "--rows 0 --import-rows 75", frozenset({"default"}))  # fmt: skip
    text = page.render(results)  # the raw-only file is listed, not shown as current
    assert "(raw figures only)" in text and "python -m bench ingest --help" in text


def test_a_benchmark_result_is_recorded_and_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(page, "DOC", tmp_path / "BENCHMARKS.md")
    body = "| scale | generator s (median) | peak RSS MiB (max) |\n|---|---|---|\n| 100 | 21.5 | 600 |\n\nA note."
    path = report.append("Synthetic generator", body, command="python -m bench generator --scales 100 --runs 3",
                         data={"raw": [1, 2]})  # fmt: skip
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["benchmark"] == "generator" and record["raw"] == [1, 2]
    assert record["commit"] and record["machine"] and record["load_before"] and record["load_after"]
    assert report.render_blocks(record["body"]) == body
    text = page.DOC.read_text(encoding="utf-8")
    assert "Command: `python -m bench generator --scales 100 --runs 3`" in text
    assert "| generator, scale 100 | <= 5 min, <= 2 GB | **21.5 s, 600 MiB** |" in text
    assert "A note." in text


def test_a_log_section_is_imported_once_and_merged_into_its_raw_file(tmp_path: Path) -> None:
    log = tmp_path / "log.md"
    log.write_text(
        "# Benchmarks\n\n## Hand-written summary\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "## Ingestion vs psql \\copy, scale 10\n\n2026-12-04 10:00 UTC, vm: 2 cores\n\n"
        "Command: `python -m bench ingest --scale 10`\n\n| table | load ratio |\n|---|---|\n| all | 0.9 |\n\n"
        "Load average at the end 1.5/1.2/1.0.\n",
        encoding="utf-8",
    )
    results = tmp_path / "results"
    results.mkdir()
    (results / "ingest-20261204T100012Z.json").write_text(
        json.dumps({"benchmark": "ingest", "tables": {"orders": {}}, "ok": True}), encoding="utf-8"
    )
    assert page_log.import_log(log, results) == [results / "ingest-20261204T100012Z.json"]
    assert page_log.import_log(log, results) == []
    merged = json.loads((results / "ingest-20261204T100012Z.json").read_text(encoding="utf-8"))
    assert merged["tables"] == {"orders": {}} and merged["command"] == "python -m bench ingest --scale 10"
    assert merged["load_after"] == "1.5/1.2/1.0" and merged["body"][0]["rows"] == [["all", "0.9"]]


def test_an_ingest_run_of_some_tables_does_not_stand_for_all_tables(tmp_path: Path) -> None:
    """bench ingest --tables prints an "all" row of those tables alone: the targets table takes the
    all-tables figures from a run of every table, even when a subset run is newer."""
    for name, command, utc, ratio in (
        ("full.json", "python -m bench ingest --scale 10 --runs 3", "20261101T000000Z", "0.78"),
        ("some.json", "python -m bench ingest --scale 10 --runs 7 --tables customers,orders", "20261102T000000Z", "0.50"),
    ):  # fmt: skip
        _write(tmp_path, name, command, utc)
        record = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        record["body"] = [
            {"headers": ["table", "load ratio", "messy ratio"], "rows": [["all", "1.2", ratio]]}
        ]
        (tmp_path / name).write_text(json.dumps(record), encoding="utf-8")
    table = page.targets_table(page.current(page.load_results(tmp_path)))
    messy = next(line for line in table.splitlines() if "messy export" in line)
    assert "**0.78**" in messy and "--tables" not in messy
