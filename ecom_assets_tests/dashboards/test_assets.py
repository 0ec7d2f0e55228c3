"""The dashboards asset materialized against PostgreSQL with the hand-made analytics layer."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from ecom_assets.defs.dashboards.assets import ANALYTICS_TABLES, ecom_dashboards
from ecom_assets.defs.resources import PostgresResource


def test_asset_definition() -> None:
    spec = next(iter(ecom_dashboards.specs))
    assert spec.key == dg.AssetKey(["dashboards", "ecom_dashboards"])
    assert spec.group_name == "dashboards"
    assert set(spec.kinds) == {"html", "pdf"}
    assert spec.owners == ["team:data-eng"]
    assert {d.asset_key for d in spec.deps} == {dg.AssetKey(["analytics", n]) for n in ANALYTICS_TABLES}
    assert len(ANALYTICS_TABLES) == 8


def test_materialize_writes_both_files_and_reports_them(
    analytics_url: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    resources = {"warehouse": PostgresResource(database_url=analytics_url)}
    result = dg.materialize([ecom_dashboards], resources=resources)
    assert result.success
    mat = result.asset_materializations_for_node("dashboards__ecom_dashboards")[0]
    md = mat.metadata
    html_path, pdf_path = Path(md["html_path"].value), Path(md["pdf_path"].value)
    # Plain strings ending in *_path: what `ecom run` / `ecom demo` print as outputs.
    assert isinstance(md["html_path"].value, str) and isinstance(md["pdf_path"].value, str)
    assert html_path == data_dir / "output" / "dashboards.html" and html_path.is_file()
    assert pdf_path == data_dir / "output" / "dashboards.pdf" and pdf_path.read_bytes()[:5] == b"%PDF-"
    assert md["pdf_pages"].value == 5 and md["pdf_page_size"].value == "a4"
    assert md["charts"].value == 15
    assert md["as_of"].value == "2025-03-31"
    assert md["orders"].value == 6
    assert "| Net revenue | $499.99 | $499.99 |" in md["kpis"].value
    assert "| Buyers | 3 | of 4 customers |" in md["kpis"].value
    assert md["key_charts"].value.count("data:image/png;base64,") == 6
    assert Path(md["chart_exec_trend"].value).read_bytes()[:4] == b"\x89PNG"
    assert not list((data_dir / "output").glob("*.tmp"))
    assert (data_dir / "output" / "METRICS.md").is_file()  # what the page's footer links
    # The page's JavaScript bundle is kept for the next run's process, per user, not per data dir.
    assert [p.suffix for p in (tmp_path / "xdg" / "ecom").iterdir()] == [".js"]
    assert not (data_dir / "cache").exists()

    # `ecom run` / `ecom demo` print exactly these two files as the run's outputs.
    from ecom_assets import runner

    defs = dg.Definitions(assets=[ecom_dashboards], resources=resources)
    summary = runner.summarise(result, 1.0, defs)
    assert sorted(o for a in summary.assets for o in a.outputs) == [str(html_path), str(pdf_path)]
