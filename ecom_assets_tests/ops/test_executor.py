"""The executor follows ECOM_EXECUTOR, in process unless asked."""

import dagster as dg
import pytest

from ecom_assets.defs.ops import executor


def test_default_is_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECOM_EXECUTOR", raising=False)
    assert executor.executor_from_env() is dg.in_process_executor


def test_multiprocess_with_max_concurrent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_EXECUTOR", "multiprocess")
    monkeypatch.setenv("ECOM_MAX_CONCURRENT", "3")
    ex = executor.executor_from_env()
    assert ex.name == "multiprocess"
    assert ex.config_schema.resolve_config({}).value["config"]["max_concurrent"] == 3  # type: ignore[union-attr]


def test_unknown_executor_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_EXECUTOR", "k8s")
    with pytest.raises(ValueError, match="ECOM_EXECUTOR"):
        executor.executor_from_env()


def test_definitions_default_executor_follows_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecom_assets.definitions import defs

    monkeypatch.setenv("ECOM_EXECUTOR", "multiprocess")
    assert defs().executor.name == "multiprocess"
    monkeypatch.setenv("ECOM_EXECUTOR", "in_process")
    assert defs().executor.name == "in_process"
