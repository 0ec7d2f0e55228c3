"""Start, probe and stop the platform's processes as a user or a container would run them."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(extra: Mapping[str, str], bin_dir: Path) -> dict[str, str]:
    """A clean environment: the installed venv first on PATH, none of the test session's
    ECOM_*/DAGSTER_*/PYTHONPATH settings, then ``extra``."""
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "XDG_CACHE_HOME")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"
    env.update(extra)
    return env


def stop(proc: subprocess.Popen) -> None:
    """Stop a process group: SIGINT (Dagster's and uvicorn's graceful stop), then SIGKILL."""
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # children left behind by a leader that exited first


@contextmanager
def started(args: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path) -> Iterator[subprocess.Popen]:
    """Run ``args`` in a process group of its own for the block, output in ``log``."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(args), cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            stop(proc)


def tail(log: Path, chars: int = 4000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"


def wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{proc.args[:3]} exited:\n{tail(log)}"
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in {timeout} s:\n{tail(log)}")


def graphql(base: str, query: str, variables: Mapping[str, object] | None = None) -> dict:
    body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
    req = urllib.request.Request(f"{base}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        answer = json.load(resp)
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


def poll(what: str, fn: object, timeout: float, every: float = 2.0, log: Path | None = None) -> object:
    """Call ``fn`` until it returns something truthy; fail naming ``what`` (and showing the end
    of ``log``) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()  # type: ignore[operator]
        if value:
            return value
        if time.monotonic() > deadline:
            shown = f":\n{tail(log)}" if log is not None else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{shown}")
        time.sleep(every)


def run(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout)
