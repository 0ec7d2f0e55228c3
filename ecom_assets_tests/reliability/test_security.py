"""Secrets and identifiers: no password in runs, metadata, the UI's snapshot or the repository;
SQL is composed with psycopg.sql; configuration cannot smuggle SQL in; ``.env`` stays untracked.

The pipeline fixture ran against a database URL with a real password (a role made for the
session), so every trace of those runs can be searched for it.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest
from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._serdes import serialize_value

from ecom_assets import runner
from ecom_assets.defs.analytics import bi
from ecom_assets_tests.reliability.conftest import (
    Pipeline,
    admin_conn,
    checksums,
    dbname,
    failure_text,
    materialize,
    with_db,
)

REPO = Path(__file__).resolve().parents[2]
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://([^\s/:@'\"`]+):([^\s@'\"`/]+)@", re.I)
NAME = r"\w*(?:password|passwd|secret|token)\w*"
# code (name = "x") and YAML (name: "x"); not psql's `PASSWORD :'variable'`
QUOTED_ASSIGNMENT = re.compile(rf"\b{NAME}(?:[ \t]*=|:)[ \t]*(['\"])([^'\"\n]+)\1", re.I)
ENV_ASSIGNMENT = re.compile(rf"^[ \t]*(?:export[ \t]+)?{NAME}[ \t]*[:=][ \t]*([^\s#'\"]+)", re.I | re.M)
PLACEHOLDERS = {"password", "pass", "<password>", "***", "secret", "...", "changeme"}


def secrets_in(text: str) -> list[str]:
    """Passwords in URLs and values assigned to password-like names, placeholders and
    environment references (``$VAR``, ``${VAR}``, an ``ENV_NAME`` constant) excepted."""
    found = [m.group(0) for m in URL_WITH_PASSWORD.finditer(text) if not _placeholder(m.group(2))]
    found += [m.group(0) for m in QUOTED_ASSIGNMENT.finditer(text) if not _placeholder(m.group(2))]
    found += [m.group(0) for m in ENV_ASSIGNMENT.finditer(text) if not _placeholder(m.group(1))]
    return found


def _placeholder(value: str) -> bool:
    value = value.strip().rstrip(",;")
    return (
        value.lower() in PLACEHOLDERS
        or value.startswith(("$", "<", "{", "os.environ", "dg.EnvVar"))
        or re.fullmatch(r"[A-Z][A-Z0-9_]*", value) is not None  # the name of a variable, not its value
        or re.fullmatch(r"[\w.]+\(.*", value) is not None  # a call (e.g. os.environ.get(...))
    )


def test_the_scanner_finds_what_it_looks_for() -> None:
    assert secrets_in("ECOM_DATABASE_URL=postgresql://ecom:hunter2@db:5432/ecom") == [
        "postgresql://ecom:hunter2@"
    ]
    assert secrets_in('DB_PASSWORD = "hunter2"') == ['DB_PASSWORD = "hunter2"']
    assert secrets_in("export ECOM_BI_PASSWORD=hunter2\n") == ["export ECOM_BI_PASSWORD=hunter2"]
    assert secrets_in("Set the passwords: `docker compose` refuses to start") == []
    assert secrets_in("CREATE ROLE :\"u\" LOGIN PASSWORD :'pw_variable';") == []
    assert secrets_in("  password: 'hunter2'") == ["password: 'hunter2'"]
    assert secrets_in("ECOM_DB_PASSWORD=\nurl: postgresql://${U}:${ECOM_DB_PASSWORD}@postgres/ecom") == []
    assert secrets_in('ENV_BI_PASSWORD = "ECOM_BI_PASSWORD"  # postgresql://user:password@host/db') == []


def test_runs_metadata_and_ui_snapshot_never_hold_the_password(pipeline: Pipeline) -> None:
    assert pipeline.password in pipeline.url  # the runs really used a URL with a password
    for summary in pipeline.summaries:
        records = pipeline.instance.all_logs(summary.run_id)
        materializations = [r for r in records if r.asset_materialization is not None]
        assert len(materializations) > 30  # metadata of every asset is in what we search
        run = pipeline.instance.get_run_by_id(summary.run_id)
        text = serialize_value(records) + serialize_value(run)
        assert pipeline.password not in text
        assert [m.group(0) for m in URL_WITH_PASSWORD.finditer(text) if m.group(2) != "***"] == []
    # what `dagster dev` shows of the resource: the variable's name, never its value
    mp = pytest.MonkeyPatch()
    mp.setenv("ECOM_DATABASE_URL", pipeline.url)
    try:
        snapshot = serialize_value(RepositorySnap.from_def(runner.load_definitions().get_repository_def()))
    finally:
        mp.undo()
    assert '{\\"env\\": \\"ECOM_DATABASE_URL\\"}' in snapshot
    assert pipeline.password not in snapshot


def test_tracked_files_hold_no_passwords() -> None:
    """Test fixtures (ecom_assets_tests/) may hold made-up passwords; nothing else may."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    found = {}
    for name in files.stdout.splitlines():
        path = REPO / name
        if name.startswith("ecom_assets_tests/") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        if hits := secrets_in(text):
            found[name] = hits
    assert found == {}


def _composed_sql_violations(path: Path) -> list[tuple[int, str]]:
    """Calls that hand PostgreSQL text built by f-string, ``%``/``+`` or ``str.format``
    (directly or through a local name): identifiers must go through psycopg.sql instead."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    built: set[str] = set()

    def kind(node: ast.expr) -> str | None:
        if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values):
            return "f-string"
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod | ast.Add)
            and any(isinstance(s, ast.Constant) and isinstance(s.value, str) for s in (node.left, node.right))
        ):
            return "string operator"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
        ):
            return "str.format"
        if isinstance(node, ast.Name) and node.id in built:
            return f"text built into {node.id!r}"
        return None

    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and kind(node.value) and isinstance(node.targets[0], ast.Name):
            built.add(node.targets[0].id)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("execute", "executemany", "copy")
            and node.args
            and (what := kind(node.args[0]))
        ):
            out.append((node.lineno, what))
    return out


def test_sql_text_is_never_built_from_strings() -> None:
    violations = {
        str(p.relative_to(REPO)): v
        for p in sorted((REPO / "ecom_assets").rglob("*.py"))
        if (v := _composed_sql_violations(p))
    }
    assert violations == {}


def test_detector_flags_string_built_sql(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def f(conn, table):\n"
        "    conn.execute(f'SELECT * FROM {table}')\n"
        "    q = 'DROP TABLE ' + table\n"
        "    conn.execute(q)\n"
        "    conn.execute('SELECT * FROM {}'.format(table))\n"
        "    conn.execute('SELECT %s', (1,))\n"
    )
    assert _composed_sql_violations(bad) == [(2, "f-string"), (4, "text built into 'q'"), (5, "str.format")]


def test_sql_injection_through_the_bi_role_name_fails_cleanly(
    pipeline: Pipeline, clone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = 'x"; DROP TABLE analytics.daily_sales; --'
    monkeypatch.setenv(bi.ENV_BI_USER, evil)
    before = checksums(clone, ("staging", "warehouse", "analytics", "ops", "bi"))
    # as a superuser, who could create any role: the name is refused before any statement
    result = materialize(with_db(pipeline.admin_url, dbname(clone)), ["analytics/bi_access"])
    assert not result.success
    assert (
        "ECOM_BI_USER='x\"; DROP TABLE analytics.daily_sales; --' is not a plain role name (a letter or _, "
        "then letters, digits or _, at most 63); nothing was changed."
    ) in failure_text(result)
    assert checksums(clone, ("staging", "warehouse", "analytics", "ops", "bi")) == before
    with admin_conn(pipeline, clone) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (evil,)).fetchone() == (0,)


def test_dotenv_is_ignored_and_its_example_is_tracked() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO)
    assert ignored.returncode == 0
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", ".env.example"], cwd=REPO, capture_output=True
    )
    assert tracked.returncode == 0
    assert secrets_in((REPO / ".env.example").read_text()) == []
