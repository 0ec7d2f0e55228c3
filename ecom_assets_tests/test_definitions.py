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
