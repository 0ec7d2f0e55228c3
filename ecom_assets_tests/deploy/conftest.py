"""The package as users get it: a wheel built from this checkout, installed (not editable)
into a fresh virtualenv that shares nothing with the development one.

One installed venv per test session (building and installing takes about a minute here, so
every test of this folder shares it). The wheel is built from a copy of the checkout, so the
build leaves nothing behind in it; pip installs the dependencies the wheel declares, from its
cache where it has them, without compiling every installed module up front (``--no-compile``:
Python compiles what it imports).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "data",
    ".ecom",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "test-artifacts",
    ".*_cache",
)


@dataclass(frozen=True)
class Installed:
    """The fresh virtualenv with the wheel installed."""

    root: Path
    wheel: Path

    @property
    def bin(self) -> Path:
        return self.root / "venv" / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def exe(self, name: str) -> str:
        return str(self.bin / name)


def _check(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{args[:4]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="session")
def deploy_root() -> Iterator[Path]:
    """A folder of this session's own, outside the checkout. Not pytest's ``tmp_path``: every
    pytest session of the machine's user prunes all but the newest three numbered temp folders,
    so a session running beside others lost its venv in the middle of a test."""
    root = Path(tempfile.mkdtemp(prefix="ecom-deploy-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def work_dir(deploy_root: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh folder under :func:`deploy_root` for one test (logs, a stack's files)."""
    return Path(tempfile.mkdtemp(prefix=request.node.name[:40] + "-", dir=deploy_root))


@pytest.fixture(scope="session")
def installed(deploy_root: Path) -> Installed:
    root = deploy_root / "installed"
    root.mkdir()
    source = root / "source"
    shutil.copytree(REPO, source, ignore=COPY_IGNORE)
    _check(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(source)], root
    )
    (wheel,) = (root / "dist").glob("ecom_assets-*.whl")
    _check([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], root)
    python = root / "venv" / "bin" / "python"
    _check(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-compile", str(wheel)],
        root,
    )
    shutil.rmtree(source)
    return Installed(root, wheel)
