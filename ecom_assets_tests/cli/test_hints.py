"""The commands the CLI tells people to type next work when copied as printed: after ``./dev demo``
the ``ecom`` in ``.venv/bin`` is not on PATH, so the hint names its path."""

import sys
from pathlib import Path

import pytest

from ecom_assets import runner


def _script(folder: Path) -> Path:
    exe = folder / "bin" / "ecom"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    return exe


def test_an_ecom_off_the_path_is_named_by_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = _script(tmp_path / ".venv")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(exe), "demo"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert runner.ecom_command() == ".venv/bin/ecom"
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # outside the folder: an absolute path, not ../..
    assert runner.ecom_command() == str(exe)


def test_the_ecom_on_the_path_is_just_ecom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = _script(tmp_path / "venv")
    monkeypatch.setattr(sys, "argv", [str(exe), "demo"])
    monkeypatch.setenv("PATH", f"{exe.parent}:/usr/bin:/bin")
    assert runner.ecom_command() == "ecom"
    other = _script(tmp_path / "another")  # a different ecom first on PATH: this one by its path
    monkeypatch.setenv("PATH", f"{other.parent}:{exe.parent}")
    monkeypatch.chdir(tmp_path)
    assert runner.ecom_command() == "venv/bin/ecom"


def test_python_dash_m_and_tests_say_ecom(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["/somewhere/ecom_assets/cli.py"])
    assert runner.ecom_command() == "ecom"
