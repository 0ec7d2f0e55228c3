"""docs/RELIABILITY.md stays true: each test it cites exists, and each reliability test is cited."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
DOC = TESTS.parent / "docs" / "RELIABILITY.md"
CITED = re.compile(r"`([\w/]+\.py)::(test_\w+)`")


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_cited_test_exists() -> None:
    cited = CITED.findall(DOC.read_text(encoding="utf-8"))
    assert len(cited) > 40
    missing = [f"{f}::{t}" for f, t in cited if not (TESTS / f).is_file() or t not in _tests_in(TESTS / f)]
    assert missing == []


def test_every_reliability_test_is_in_the_table() -> None:
    cited = set(CITED.findall(DOC.read_text(encoding="utf-8")))
    here = Path(__file__).resolve().parent
    uncited = [
        f"reliability/{p.name}::{t}"
        for p in sorted(here.glob("test_*.py"))
        if p.name != Path(__file__).name
        for t in sorted(_tests_in(p))
        if (f"reliability/{p.name}", t) not in cited
    ]
    assert uncited == []
