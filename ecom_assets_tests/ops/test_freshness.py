"""Every asset carries the daily freshness policy, through the defs folder's post-processing."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import dagster as dg
import pytest

from ecom_assets.defs.ops.freshness import DAILY_FRESHNESS, FAIL_AFTER, WARN_AFTER

DEFS = Path(__file__).resolve().parents[2] / "ecom_assets" / "defs"


def test_policy_windows() -> None:
    assert DAILY_FRESHNESS.warn_window.to_timedelta() == WARN_AFTER  # type: ignore[union-attr]
    assert DAILY_FRESHNESS.fail_window.to_timedelta() == FAIL_AFTER
    assert WARN_AFTER < FAIL_AFTER


def test_defs_yaml_applies_the_policy_to_assets_of_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A throwaway project with our defs.yaml: assets added in any folder, by any module, get it."""
    root = tmp_path / "proj"
    pkg = root / "fresh_pkg" / "defs"
    (pkg / "layer").mkdir(parents=True)
    (pkg / "ops").mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname="fresh_pkg"\nversion="0"\n[tool.dg]\ndirectory_type="project"\n'
        '[tool.dg.project]\nroot_module="fresh_pkg"\ndefs_module="fresh_pkg.defs"\n'
    )
    for d in (root / "fresh_pkg", pkg, pkg / "layer", pkg / "ops"):
        (d / "__init__.py").write_text("")
    shutil.copy(DEFS / "defs.yaml", pkg / "defs.yaml")
    (pkg / "ops" / "freshness.py").write_text("from ecom_assets.defs.ops.freshness import daily_freshness\n")
    (pkg / "layer" / "a.py").write_text(
        "import dagster as dg\n@dg.asset(group_name='layer')\ndef a() -> None: ...\n"
        "@dg.asset(group_name='layer', deps=[a])\ndef b() -> None: ...\n"
        "@dg.asset(group_name='raw', tags={'ecom/role': 'generator'})\ndef gen() -> None: ...\n"
    )
    monkeypatch.syspath_prepend(str(root))
    try:
        defs = dg.load_from_defs_folder(path_within_project=root)
        graph = defs.resolve_asset_graph()
        assert {k.to_user_string() for k in graph.get_all_asset_keys()} == {"a", "b", "gen"}
        assert graph.get(dg.AssetKey("a")).freshness_policy == DAILY_FRESHNESS
        assert graph.get(dg.AssetKey("b")).freshness_policy == DAILY_FRESHNESS
        assert graph.get(dg.AssetKey("gen")).freshness_policy is None  # never run daily
    finally:
        for name in [m for m in sys.modules if m.startswith("fresh_pkg")]:
            del sys.modules[name]


def test_every_asset_of_the_code_location_has_it() -> None:
    from ecom_assets.definitions import defs

    graph = defs().resolve_asset_graph()
    keys = [
        k
        for k in graph.get_all_asset_keys()
        if graph.get(k).is_materializable and graph.get(k).tags.get("ecom/role") != "generator"
    ]
    if not keys:
        pytest.skip("no assets defined yet")
    missing = [k.to_user_string() for k in keys if graph.get(k).freshness_policy != DAILY_FRESHNESS]
    assert not missing
