"""The pipeline's sessions sort and hash in memory (``work_mem`` from ``ECOM_PG_WORK_MEM``) and run without JIT (``ECOM_PG_JIT``)."""

from __future__ import annotations

import pytest

from ecom_assets.defs.resources import PostgresResource
from ecom_assets.lib import settings


def _work_mem(url: str, autocommit: bool = False) -> str:
    with PostgresResource(database_url=url).get_connection(autocommit=autocommit) as conn:
        return conn.execute("SHOW work_mem").fetchone()[0]


def test_default_is_256mb_in_both_connection_modes(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(settings.ENV_WORK_MEM, raising=False)
    assert _work_mem(db_url) == "256MB"
    assert _work_mem(db_url, autocommit=True) == "256MB"


def test_setting_survives_the_block_transaction_and_allows_read_only(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(settings.ENV_WORK_MEM, "64MB")
    with PostgresResource(database_url=db_url).get_connection() as conn:
        conn.read_only = True  # the dashboards do this first: no transaction may be open yet
        assert conn.execute("SHOW work_mem").fetchone()[0] == "64MB"
        assert conn.execute("SHOW transaction_read_only").fetchone()[0] == "on"


def test_empty_value_keeps_the_servers_setting(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.ENV_WORK_MEM, "")
    from ecom_assets.lib import postgres

    with postgres.connect(db_url) as conn:
        server = conn.execute("SHOW work_mem").fetchone()[0]
    assert _work_mem(db_url) == server


def test_invalid_value_names_the_variable(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.ENV_WORK_MEM, "lots")
    with pytest.raises(ValueError, match="ECOM_PG_WORK_MEM='lots' is not a valid work_mem"):
        _work_mem(db_url)


def _jit(url: str, autocommit: bool = False) -> str:
    with PostgresResource(database_url=url).get_connection(autocommit=autocommit) as conn:
        return conn.execute("SHOW jit").fetchone()[0]


def test_jit_is_off_by_default_in_both_connection_modes(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(settings.ENV_JIT, raising=False)
    assert _jit(db_url) == "off"
    assert _jit(db_url, autocommit=True) == "off"


def test_jit_on_and_empty_follow_the_variable(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ecom_assets.lib import postgres

    monkeypatch.setenv(settings.ENV_JIT, "on")
    assert _jit(db_url) == "on"
    monkeypatch.setenv(settings.ENV_JIT, "")
    with postgres.connect(db_url) as conn:
        server = conn.execute("SHOW jit").fetchone()[0]
    assert _jit(db_url) == server


def test_invalid_jit_names_the_variable(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.ENV_JIT, "maybe")
    with pytest.raises(ValueError, match="ECOM_PG_JIT='maybe'"):
        _jit(db_url)


def test_pg_sessions_default_and_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv(settings.ENV_PG_SESSIONS, raising=False)
    assert settings.pg_sessions() == max(1, min(4, os.cpu_count() or 1))
    monkeypatch.setenv(settings.ENV_PG_SESSIONS, "3")
    assert settings.pg_sessions() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(settings.ENV_PG_SESSIONS, bad)
        with pytest.raises(ValueError, match="ECOM_PG_SESSIONS"):
            settings.pg_sessions()
