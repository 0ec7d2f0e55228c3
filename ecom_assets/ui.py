"""``ecom ui``: the Dagster UI on the data the CLI built, in one command.

It was three steps (activate the venv, export ``DAGSTER_HOME``, run ``dagster dev -w
workspace.yaml`` from the checkout), and copied as the demo printed it opened an empty UI. Here:

- the same ``DAGSTER_HOME`` as ``ecom run`` (``instance.local``), so every CLI run is in the UI,
  and the same ``ECOM_*`` environment (warehouse, data folder);
- ``dagster dev -m ecom_assets.definitions`` through this Python, so it works from any folder
  and from an installed wheel (no workspace file, no checkout);
- no warnings at start: the code location has no name of its own to disagree with, and
  ``dagster dev``'s notice that ``dg dev`` supersedes it is not for our users (``dg`` needs a
  project checkout);
- the first-run pop-up dismissed (``setNuxSeen``) before the address is printed;
- its output passes through the command's masked stdout, like everything ``ecom`` prints.

Ctrl-C (or SIGTERM to ``ecom ui``) stops the webserver, the daemon and the code server:
``dagster dev`` runs in a process group of its own, which gets SIGINT, then SIGKILL after 30 s.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser

from ecom_assets.instance import local
from ecom_assets.lib import settings

MODULE = "ecom_assets.definitions"
START_TIMEOUT_S = 180
# `dagster dev` is superseded by `dg dev`, which needs a project folder: not an option installed.
SILENCED = "ignore:Function `dev_command` is superseded"


def command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "dagster", "dev", "-m", MODULE, "-h", host, "-p", str(port)]


def environment() -> dict[str, str]:
    """This process's environment with the CLI's instance and data folder made explicit."""
    env = dict(os.environ)
    env["DAGSTER_HOME"] = str(local.dagster_home())
    env[settings.ENV_DATA_DIR] = str(settings.data_dir())
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS"), SILENCED) if w)
    return env


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def wait_until_serving(base: str, proc: subprocess.Popen, timeout: float = START_TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{base}/server_info", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    return False


def dismiss_welcome(base: str) -> None:
    """Post ``setNuxSeen`` so the browser does not open on the "join the community" pop-up."""
    body = json.dumps({"query": "mutation { setNuxSeen }"}).encode()
    req = urllib.request.Request(f"{base}/graphql", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10):
            pass
    except (urllib.error.URLError, OSError):
        pass  # cosmetic: the UI works with the pop-up too


def serve(host: str = "127.0.0.1", port: int = 3000, open_browser: bool = False) -> int:
    """Run ``dagster dev`` on the CLI's instance until it exits or Ctrl-C; returns its exit code."""
    if not port_free(host, port):
        print(
            f"ecom: port {port} on {host} is in use; choose another with `ecom ui --port N`", file=sys.stderr
        )
        return 2
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    env = environment()
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"starting the Dagster UI on the CLI's runs (DAGSTER_HOME={env['DAGSTER_HOME']})", flush=True)
    # Its own process group, so stopping it reaches the webserver, daemon and code server too;
    # its output is copied through this command's (masked) stdout.
    proc = subprocess.Popen(
        command(host, port),
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    copier = threading.Thread(target=_copy_output, args=(proc,), daemon=True)
    copier.start()
    try:
        if not wait_until_serving(base, proc):
            code = proc.poll()
            print(f"ecom: the UI did not start (dagster dev exited with {code})", file=sys.stderr)
            return code or 1
        dismiss_welcome(base)
        print(f"\nDagster UI: {base}  (Ctrl-C stops it)\n", flush=True)
        if open_browser:
            webbrowser.open(base)
        return proc.wait()
    except KeyboardInterrupt:
        return _stop(proc)
    finally:
        if proc.poll() is None:
            _stop(proc)
        copier.join(5)


def _copy_output(proc: subprocess.Popen) -> None:
    for line in proc.stdout:  # type: ignore[union-attr]
        sys.stdout.write(line)
        sys.stdout.flush()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop(proc: subprocess.Popen) -> int:
    """SIGINT to the group (what Ctrl-C sends: ``dagster dev`` stops its children), then SIGKILL."""
    for sig in (signal.SIGINT, signal.SIGKILL):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            continue
    return 0
