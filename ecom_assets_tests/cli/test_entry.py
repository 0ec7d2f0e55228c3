"""The installed ``ecom`` command: ``cli.entry`` runs ``main`` and still runs the atexit
handlers (the local Dagster event log closes its files in one) after ``gc.freeze``."""

import importlib.metadata
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import atexit, sys
from pathlib import Path
from ecom_assets import cli
marker = Path(sys.argv[1])
atexit.register(lambda: marker.write_text("atexit ran"))
sys.argv = ["ecom", "db", "url"]
cli.entry()
"""


def test_the_ecom_script_is_entry() -> None:
    (ep,) = [e for e in importlib.metadata.entry_points(group="console_scripts") if e.name == "ecom"]
    assert ep.value == "ecom_assets.cli:entry"


def test_entry_exits_with_mains_code_and_runs_atexit_handlers(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    env = {"ECOM_DATABASE_URL": "postgresql://someone@db.example:5432/shop", "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(marker)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "postgresql://someone@db.example:5432/shop"
    assert marker.read_text() == "atexit ran"

    # a command that fails keeps its exit code
    bad = subprocess.run(
        [sys.executable, "-c", SCRIPT.replace('"db", "url"', '"import", "/nonexistent"'), str(marker)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "ecom: cannot import" in bad.stderr
