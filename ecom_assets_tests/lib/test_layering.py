"""``lib/`` is plain Python: no module in it imports Dagster, by its source or when imported.

The AST scan catches an ``import dagster`` anywhere in a lib module (also inside a function);
module-level imports may name only ``ecom_assets.lib`` of this package, since ``defs``,
``instance``, ``runner`` and ``cli`` import Dagster. The subprocess check imports every lib
module in a fresh interpreter and looks for Dagster in ``sys.modules``, which also catches a
third-party module that pulls it in.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

LIB = Path(__file__).resolve().parents[2] / "ecom_assets" / "lib"


def _imports(tree: ast.AST) -> list[tuple[int, str, bool]]:
    """(line, module, at module level) of every import in ``tree``."""
    top = {id(node) for node in getattr(tree, "body", [])}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module, id(node) in top))
    return out


def _violations(path: Path) -> list[str]:
    found = []
    for line, module, top_level in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        root = module.split(".")[0]
        if root == "dagster" or root.startswith("dagster_"):
            found.append(f"{path.name}:{line} imports {module}")
        elif top_level and root == "ecom_assets" and not module.startswith("ecom_assets.lib"):
            found.append(f"{path.name}:{line} imports {module} at module level")
    return found


def _modules() -> list[Path]:
    """Every module of ``lib/``, its subpackages (``generator/``, ``values/``, ...) included."""
    return sorted(LIB.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(LIB).with_suffix("").parts
    return ".".join(("ecom_assets", "lib", *(parts[:-1] if parts[-1] == "__init__" else parts)))


def test_no_lib_module_imports_dagster() -> None:
    modules = _modules()
    assert len(modules) > 5
    assert LIB / "values" / "numbers.py" in modules and LIB / "generator" / "orders.py" in modules
    assert [v for p in modules for v in _violations(p)] == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os\n"
        "from dagster._core.storage import x\n"
        "from ecom_assets.defs import resources\n"
        "from ecom_assets.lib import settings\n"
        "def f():\n"
        "    import dagster as dg\n"
        "    from ecom_assets.instance import local\n"
    )
    assert _violations(bad) == [
        "bad.py:2 imports dagster._core.storage",
        "bad.py:3 imports ecom_assets.defs at module level",
        "bad.py:6 imports dagster",
    ]


def test_importing_every_lib_module_loads_no_dagster() -> None:
    names = [_module_name(p) for p in _modules()]
    assert "ecom_assets.lib.values" in names and "ecom_assets.lib.values.times" in names
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('dagster')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
