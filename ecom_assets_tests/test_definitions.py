"""The code location loads and validates, as `dagster dev` and `dg check defs` would."""

import dagster as dg

from ecom_assets.definitions import defs


def test_definitions_validate() -> None:
    d = defs()
    dg.Definitions.validate_loadable(d)
    assert "warehouse" in d.resources


def test_every_asset_has_group_description_and_owner() -> None:
    graph = defs().resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name and node.group_name != "default", f"{key} has no group"
        assert node.description, f"{key} has no description"
        assert node.owners, f"{key} has no owner"


def test_dg_check_defs_passes_from_the_project_root(tmp_path) -> None:
    """`dg check defs`, run as a user would (no DAGSTER_HOME), loads the code location."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    dg_bin = Path(sys.executable).parent / "dg"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    proc = subprocess.run(
        [str(dg_bin), "check", "defs"], cwd=repo, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "All definitions loaded successfully" in proc.stdout + proc.stderr
