"""The asset graph is a reviewed artifact: ``graph_snapshot.txt`` beside this test is the graph
``ecom_assets.definitions`` builds, and a change to the graph changes that file in the same commit.

The snapshot holds what a reviewer needs to see move: every asset key with its group, whether it
is observed or materialized, its partitions definition and the assets it depends on; every
asset check with its blocking flag; the jobs, schedules (with their job) and sensors (with their
kind). It leaves out what the environment decides (the first partition, which follows the landed
data or ``ECOM_START_DATE``; the schedule's cron and time zone; the executor), so it is the same
on every machine. One fact per line, sorted, so a diff reads as the change itself.

When the graph changes on purpose, regenerate the file and commit it with the change:

    ECOM_UPDATE_SNAPSHOT=1 pytest ecom_assets_tests/test_graph_snapshot.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import dagster as dg
import pytest

from ecom_assets.definitions import defs

SNAPSHOT = Path(__file__).resolve().parent / "graph_snapshot.txt"
UPDATE_ENV = "ECOM_UPDATE_SNAPSHOT"
HEADER = (
    "# The asset graph of ecom_assets.definitions (ecom_assets_tests/test_graph_snapshot.py).\n"
    f"# Regenerate after an intended change: {UPDATE_ENV}=1 pytest ecom_assets_tests/test_graph_snapshot.py\n"
)


def _key(key: dg.AssetKey) -> str:
    return key.to_user_string()


def _partitions(p: dg.PartitionsDefinition | None) -> str:
    """The partitions definition without its start (which follows the landed data)."""
    if p is None:
        return "none"
    if isinstance(p, dg.TimeWindowPartitionsDefinition):
        return f"{type(p).__name__}(cron={p.cron_schedule!r}, end_offset={p.end_offset})"
    return type(p).__name__


def graph_text(d: dg.Definitions) -> str:
    """The graph as sorted lines of text: assets (deps, checks), then jobs, schedules, sensors."""
    graph = d.resolve_asset_graph()
    lines: list[str] = []
    for key in sorted(graph.get_all_asset_keys(), key=_key):
        node = graph.get(key)
        kind = (
            "materializable" if node.is_materializable else "observable" if node.is_observable else "external"
        )
        lines.append(
            f"asset {_key(key)}  group={node.group_name}  {kind}  partitions={_partitions(node.partitions_def)}"
        )
        lines += [f"    dep {dep}" for dep in sorted(_key(k) for k in node.parent_keys)]
        for check in sorted(node.check_keys, key=lambda c: c.name):
            blocking = "blocking" if graph.get_check_spec(check).blocking else "not blocking"
            lines.append(f"    check {check.name}  {blocking}")
    jobs = sorted(j.name for j in d.resolve_all_job_defs() if not j.name.startswith("__"))
    lines += [f"job {name}" for name in jobs]
    lines += sorted(f"schedule {s.name}  job={s.job_name}" for s in d.schedules or [])
    lines += sorted(f"sensor {s.name}  {type(s).__name__}" for s in d.sensors or [])
    return HEADER + "\n".join(lines) + "\n"


def test_the_graph_is_the_committed_snapshot() -> None:
    current = graph_text(defs())
    if os.environ.get(UPDATE_ENV):
        SNAPSHOT.write_text(current, encoding="utf-8")
        return
    committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.is_file() else ""
    if current != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile=f"{SNAPSHOT.name} (committed)",
                tofile="the graph ecom_assets.definitions builds now",
            )
        )
        pytest.fail(
            f"The asset graph differs from {SNAPSHOT.relative_to(SNAPSHOT.parents[1])}:\n{diff}\n"
            f"If the change is intended, regenerate it and commit it with the change:\n"
            f"    {UPDATE_ENV}=1 pytest ecom_assets_tests/test_graph_snapshot.py",
            pytrace=False,
        )


def _one_asset_graph(deps: list[str], checks: list[dg.AssetCheckSpec]) -> str:
    @dg.asset(name="b", deps=deps, check_specs=checks)
    def b() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    return graph_text(dg.Definitions(assets=[dg.AssetSpec("a"), dg.AssetSpec("c"), b]))


def test_an_added_dependency_or_check_changes_the_snapshot() -> None:
    """What a reviewer must see in the diff: a new dependency, a new check, a check made blocking."""
    before = _one_asset_graph(["a"], [])
    assert "asset b  group=default  materializable  partitions=none\n    dep a\nasset c" in before
    assert "asset a  group=default  external  partitions=none\n" in before
    dep = _one_asset_graph(["a", "c"], [])
    assert "\n    dep a\n    dep c\n" in dep and dep != before
    check = _one_asset_graph(["a"], [dg.AssetCheckSpec("rows", asset="b")])
    assert "\n    dep a\n    check rows  not blocking\n" in check
    blocking = _one_asset_graph(["a"], [dg.AssetCheckSpec("rows", asset="b", blocking=True)])
    assert "\n    check rows  blocking\n" in blocking and blocking != check
