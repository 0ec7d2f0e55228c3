"""No secret printed: each form of password, fed to each command, never reaches the output.

Forms: a password in the URL's user part, as a ``?password=`` parameter, in a libpq keyword
string, and in ``PGPASSWORD`` beside a URL without one. Each goes to a reachable server (the
test server; a password it does not ask for is ignored) and to an unreachable one (the error
path), through ``db url|status|start|stop``, ``run``, ``import`` and ``demo`` (the unreachable
one: a whole demo with a password in its URL runs in ``packaging/test_installed.py``).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import psycopg
import pytest

from ecom_assets import cli
from ecom_assets.lib import masking

FORMS = ("userinfo", "query", "keywords", "pgpassword")
COMMANDS = (
    ["db", "url"],
    ["db", "status"],
    ["db", "start"],
    ["db", "stop"],
    ["run"],
    ["import", "does-not-exist"],
    ["demo", "--scale", "0.01", "--quiet"],  # unreachable server only: the installed-package test
)  # runs a whole demo with a password in the URL


def _url(form: str, secret: str, user: str, host: str, port: int | str, db: str) -> str:
    return {
        "userinfo": f"postgresql://{user}:{secret}@{host}:{port}/{db}",
        "query": f"postgresql://{user}@{host}:{port}/{db}?password={secret}&connect_timeout=5",
        "keywords": f"host={host} port={port} user={user} password={secret} dbname={db}",
        "pgpassword": f"postgresql://{user}@{host}:{port}/{db}",
    }[form]


@pytest.fixture(params=["reachable", "unreachable"])
def server(request: pytest.FixtureRequest, db_url: str) -> tuple[str, str, str, int | str, str]:
    """(secret, user, host, port, db): the test server with its own password if it has one."""
    info = psycopg.conninfo.conninfo_to_dict(db_url)
    secret = info.get("password") or "pw-Secr3t-42"
    if request.param == "unreachable":
        return secret, "ecom", "127.0.0.1", 1, "nowhere"
    host = info.get("host") or "127.0.0.1"
    if host.startswith("/"):
        pytest.skip("the test server listens on a socket only")
    return secret, info.get("user") or "postgres", host, info.get("port") or 5432, info["dbname"]


@pytest.mark.parametrize("form", FORMS)
def test_no_command_prints_a_password(
    form: str,
    server: tuple[str, str, str, int | str, str],
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret, user, host, port, db = server
    url = _url(form, secret, user, host, port, db)
    monkeypatch.setenv("ECOM_DATABASE_URL", url)
    if form == "pgpassword":
        monkeypatch.setenv("PGPASSWORD", secret)
    else:
        monkeypatch.delenv("PGPASSWORD", raising=False)
    for argv in COMMANDS:
        if argv[0] == "demo" and port != 1:
            continue
        code = cli.main(argv)
        out = capsys.readouterr()
        assert secret not in out.out + out.err, (argv, out)
        assert code in (0, 2), (argv, code, out.err[-2000:])
        if argv == ["db", "url"]:
            assert out.out.strip() == masking.mask(url)
            assert ("***" in out.out) is (form != "pgpassword")
        if argv[0] == "demo" and port == 1:
            assert out.err.startswith("ecom: cannot connect to PostgreSQL at ")  # before generating anything
            assert not (data_dir / "export").exists()


@pytest.mark.parametrize("form", ["userinfo", "query", "keywords"])
def test_db_url_reveal_prints_it_for_scripts(
    form: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _url(form, "pw-Secr3t-42", "ecom", "db.example", 5432, "shop")
    monkeypatch.setenv("ECOM_DATABASE_URL", url)
    assert cli.main(["db", "url", "--reveal"]) == 0
    assert capsys.readouterr().out == url + "\n"


def test_a_traceback_is_masked_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An error nobody foresaw prints its traceback through the same mask."""

    def boom(args: object) -> int:
        raise RuntimeError("could not reach postgresql://ecom:pw-Secr3t-42@db.example/shop")

    monkeypatch.setattr(cli, "cmd_run", boom)
    assert cli.main(["run"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: could not reach postgresql://ecom:***@db.example/shop" in err
    assert "pw-Secr3t-42" not in err


def test_the_masked_stream_masks_and_main_restores_the_real_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = io.StringIO()
    cli.MaskedStream(raw).write("url: postgresql://a:b-secret@h/d\n")
    assert raw.getvalue() == "url: postgresql://a:***@h/d\n"
    before = (sys.stdout, sys.stderr)
    monkeypatch.setenv("ECOM_DATABASE_URL", "postgresql://a:b-secret@h/d")
    assert cli.main(["db", "url"]) == 0
    assert (sys.stdout, sys.stderr) == before
