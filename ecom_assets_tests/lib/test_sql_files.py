"""``lib/sql_files``: the one SQL-file loader, and each layer's state DDL applied once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from ecom_assets.lib.sql_files import SqlFiles, apply_state, created_by

STATE = """-- a layer's state
CREATE TABLE IF NOT EXISTS ops.t_one (k int PRIMARY KEY);
CREATE TABLE IF NOT EXISTS ops.t_two (k int);
ALTER TABLE ops.t_two ADD COLUMN IF NOT EXISTS v text;
CREATE SEQUENCE IF NOT EXISTS ops.t_seq;
"""


@pytest.fixture
def folder(tmp_path: Path) -> SqlFiles:
    (tmp_path / "ops_state.sql").write_text(STATE, encoding="utf-8")
    (tmp_path / "pick.sql").write_text("-- one row\nSELECT %(x)s::int AS x, {col} AS y;\n", encoding="utf-8")
    return SqlFiles(tmp_path)


@pytest.fixture
def db(fresh_db_url: str) -> psycopg.Connection:
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        c.execute("CREATE SCHEMA ops")
        yield c


def test_text_md5_and_queries(folder: SqlFiles, db: psycopg.Connection) -> None:
    assert folder.names() == ["ops_state", "pick"]
    assert folder.text("pick") == folder.text("pick.sql")
    assert folder.md5("pick") == hashlib.md5(folder.text("pick").encode()).hexdigest()
    assert folder.md5("pick", "ops_state") != folder.md5("ops_state", "pick")
    col = sql.Literal("a")
    assert folder.rows(db, "pick", {"x": 1}, col=col) == [(1, "a")]
    assert folder.one(db, "pick", {"x": 2}, col=col) == {"x": 2, "y": "a"}
    assert folder.value(db, "pick", {"x": 3}, col=col) == 3
    assert folder.run(db, "ops_state") == -1  # the last statement (DDL) affects no rows
    assert SqlFiles(folder.folder).run(db, "pick", {"x": 1}, col=col) == 1  # rows of the last statement
    assert db.execute("SELECT to_regclass('ops.t_one') IS NOT NULL").fetchone()[0]


def test_created_by_names_tables_and_sequences() -> None:
    assert created_by(STATE) == ["ops.t_one", "ops.t_two", "ops.t_seq"]


def test_state_is_applied_once_and_again_when_lost_or_changed(
    folder: SqlFiles, db: psycopg.Connection
) -> None:
    assert apply_state(db, "layer", folder) == ["ops.t_one", "ops.t_two", "ops.t_seq"]  # a fresh database
    db.execute("INSERT INTO ops.t_one VALUES (1)")
    db.execute("ALTER TABLE ops.t_two DROP COLUMN v")
    assert apply_state(db, "layer", folder) == []  # current: nothing ran (the column stays dropped)
    assert db.execute(
        "SELECT count(*) FROM pg_attribute WHERE attrelid = 'ops.t_two'::regclass AND attname = 'v'"
    ).fetchone() == (0,)
    db.execute("DROP TABLE ops.t_two")
    assert apply_state(db, "layer", folder) == ["ops.t_two"]  # lost: created anew, reported
    assert db.execute("SELECT count(*) FROM ops.t_one").fetchone() == (1,)  # the others untouched
    db.execute("ALTER TABLE ops.t_two DROP COLUMN v")
    folder.path("ops_state").write_text(STATE + "-- changed\n", encoding="utf-8")
    assert apply_state(db, "layer", folder) == []  # changed: applied again, nothing was missing
    assert db.execute(
        "SELECT count(*) FROM pg_attribute WHERE attrelid = 'ops.t_two'::regclass AND attname = 'v'"
    ).fetchone() == (1,)
    assert db.execute("SELECT md5 FROM ops.state_ddl WHERE layer = 'layer'").fetchone()[0] == folder.md5(
        "ops_state"
    )
