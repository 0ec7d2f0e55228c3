"""The command's surface: help on every option, ``--version``, ``.env`` read by python-dotenv."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
from pathlib import Path

import pytest

from ecom_assets import cli
from ecom_assets.lib import settings


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_option_of_every_command_has_help() -> None:
    parser = cli.build_parser()
    commands = _subparsers(parser)
    assert set(commands) == {"generate", "import", "run", "demo", "ui", "db"}
    missing = [
        f"{name} {action.dest}"
        for name, sub in [("ecom", parser), *commands.items()]
        for action in sub._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert missing == []
    for name in ("generate", "import", "run", "demo"):
        assert "--quiet" in commands[name]._option_string_actions, name


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"ecom {importlib.metadata.version('ecom-assets')}"


def test_dotenv_is_read_and_real_variables_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# a comment\n"
        "export ECOM_TEST_A='quoted value # not a comment'\n"
        'ECOM_TEST_B="line one\\nline two"\n'
        "ECOM_TEST_C=${ECOM_TEST_BASE}/sub\n"
        "ECOM_TEST_D=from-file\n"
    )
    monkeypatch.setenv("ECOM_TEST_BASE", "/srv")
    monkeypatch.setenv("ECOM_TEST_D", "from-environment")
    for key in ("ECOM_TEST_A", "ECOM_TEST_B", "ECOM_TEST_C"):
        monkeypatch.delenv(key, raising=False)
    settings.load_dotenv(env)
    assert os.environ["ECOM_TEST_A"] == "quoted value # not a comment"
    assert os.environ["ECOM_TEST_B"] == "line one\nline two"
    assert os.environ["ECOM_TEST_C"] == "/srv/sub"
    assert os.environ["ECOM_TEST_D"] == "from-environment"
    for key in ("ECOM_TEST_A", "ECOM_TEST_B", "ECOM_TEST_C"):
        monkeypatch.delenv(key)


def test_a_bad_setting_is_one_clear_line(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ECOM_RUN_DEADLINE", "soon")
    with pytest.raises(ValueError, match="ECOM_RUN_DEADLINE='soon': expected a duration such as 4h"):
        settings.run_deadline()
    monkeypatch.setenv("ECOM_DATABASE_URL", "postgresql://u@127.0.0.1:1/x")
    assert cli.main(["run"]) == 2  # nothing landed: a sentence, not a traceback
    err = capsys.readouterr().err
    assert err.startswith("ecom: nothing has landed in ") and "Traceback" not in err
