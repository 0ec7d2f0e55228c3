"""`ecom db ...` manages the embedded PostgreSQL: a user never installs or configures one."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from ecom_assets import cli
from ecom_assets.lib import postgres

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def embedded_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    # Inside the checkout, never under /root: the server runs as its own OS user when we are root.
    d = REPO / ".ecom" / "test-cli-postgres"
    monkeypatch.setenv("ECOM_EMBEDDED_PG_DIR", str(d))
    monkeypatch.delenv("ECOM_DATABASE_URL", raising=False)
    yield d
    postgres.embedded_stop(d)
    shutil.rmtree(d, ignore_errors=True)


def test_db_start_status_url_stop(embedded_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["db", "status"]) == 3  # not running yet
    assert "stopped" in capsys.readouterr().out

    assert cli.main(["db", "start"]) == 0
    assert cli.main(["db", "url"]) == 0
    url = capsys.readouterr().out.strip().splitlines()[-1]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
        major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    assert major == 18  # pinned: the data directory format changes between majors

    assert cli.main(["db", "status"]) == 0
    assert "running" in capsys.readouterr().out
    # A second start reuses the same cluster.
    assert postgres.embedded_url(embedded_dir) == url

    assert cli.main(["db", "stop"]) == 0
    assert "stopped" in capsys.readouterr().out
    assert cli.main(["db", "status"]) == 3


def test_configured_url_wins_and_is_redacted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ECOM_DATABASE_URL", "postgresql://ecom:s3cret@db.example:5432/wh")
    assert cli.main(["db", "start"]) == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out and "ecom:***@db.example" in out


def test_unreachable_database_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(postgres.DatabaseUnavailable) as err:
        with postgres.connect("postgresql://u:topsecret@127.0.0.1:1/nowhere"):
            pass
    assert "topsecret" not in str(err.value)
    assert "cannot connect to PostgreSQL at postgresql://u:***@127.0.0.1:1/nowhere" in str(err.value)


def test_redact_url() -> None:
    assert postgres.redact_url("postgresql://a:b@h/d") == "postgresql://a:***@h/d"
    assert postgres.redact_url("postgresql://a@h/d") == "postgresql://a@h/d"
