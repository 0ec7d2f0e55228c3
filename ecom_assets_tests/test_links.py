"""Every link in the repository's Markdown resolves, and the metric definitions the outputs
link to are the repository's own (the outputs' links are checked where they are built:
dashboards/test_charts.py and analytics/test_report.py)."""

from __future__ import annotations

from pathlib import Path

from ecom_assets.defs.analytics import answers
from ecom_assets_tests.conftest import REPO
from ecom_assets_tests.links import markdown_links, slug, unresolved

SKIP = {".git", ".venv", "data", "test-artifacts", ".ecom", "node_modules", ".pytest_cache", ".ruff_cache"}


def _markdown_files() -> list[Path]:
    return sorted(
        p
        for p in REPO.rglob("*.md")
        if not SKIP & set(p.relative_to(REPO).parts) and "egg-info" not in str(p)
    )


def test_every_markdown_link_in_the_repository_resolves() -> None:
    files = _markdown_files()
    assert REPO / "README.md" in files and REPO / "docs" / "METRICS.md" in files
    broken = {
        str(p.relative_to(REPO)): bad
        for p in files
        if (bad := unresolved(p.parent, markdown_links(p.read_text(encoding="utf-8")), p))
    }
    assert broken == {}


def test_no_doc_or_code_names_the_old_definitions_path() -> None:
    """``shared/METRICS.md`` is the team's copy outside the repository: the repository's is docs/."""
    offenders = [
        str(p.relative_to(REPO))
        for p in [*_markdown_files(), *REPO.joinpath("ecom_assets").rglob("*.py")]
        if "shared/METRICS.md" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_the_packaged_definitions_are_the_documented_ones() -> None:
    """The outputs carry METRICS.md beside them from the package (Docker images have no docs/)."""
    assert answers.METRICS_SOURCE.read_bytes() == (REPO / "docs" / "METRICS.md").read_bytes()


def test_the_link_checker_finds_broken_links(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Title\n\n## Some part\n", encoding="utf-8")
    text = (
        "[ok](a.md) [anchor](a.md#some-part) [bad anchor](a.md#nowhere) [missing](b.md) "
        "![img](pic.png) [web](https://example.com) `[code](x.md)`\n\n```\n[fenced](y.md)\n```\n"
    )
    assert unresolved(tmp_path, markdown_links(text)) == ["a.md#nowhere", "b.md", "pic.png"]
    assert slug("5. What is the `average` time?") == "5-what-is-the-average-time"
