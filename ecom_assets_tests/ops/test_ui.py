"""The Dagster UI against a PostgreSQL-backed instance, after a real run, seen by a browser.

Starts ``dagster-webserver -w workspace.yaml`` in its own process group (so the whole tree is
stopped at the end) with the deployment's ``dagster.yaml`` pointed at a fresh database, runs
``ecom run`` over a tiny generated data set into the same instance, then checks over GraphQL
that every asset and check of the definitions is there with its latest status, and saves a
headless Chromium screenshot of the asset graph to ``test-artifacts/ui_asset_graph.png``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ASSETS_QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    assetMaterializations(limit: 1) { runId }
    assetChecksOrError {
      ... on AssetChecks { checks { name executionForLatestMaterialization { status runId } } }
    }
  }
}
"""


def _chromium() -> str | None:
    return next((p for n in ("chromium", "chromium-browser") if (p := shutil.which(n))), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process group: SIGINT (uvicorn's graceful stop), then SIGKILL."""
    for sig, wait in ((signal.SIGINT, 10), (signal.SIGKILL, 10)):
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


@contextmanager
def _process_group(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            _stop(proc)


def _graphql(base: str, query: str) -> dict:
    req = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        body = json.load(resp)
    assert "errors" not in body, body["errors"]
    return body["data"]


def _wait_for(base: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"webserver exited:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"{base}/server_info", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"webserver did not answer in {timeout} s:\n{log.read_text()[-3000:]}")


def _screenshot(chromium: str, url: str, out: Path, ready_js: str) -> None:
    """Drive headless Chromium over the DevTools protocol: load, wait until ``ready_js``, shoot.

    ``--screenshot`` alone shoots before the React app has fetched its data (a blank page)
    or, with a virtual-time budget, can wait forever on the UI's polling.
    """
    from websockets.sync.client import connect

    port = _free_port()
    profile = tempfile.mkdtemp(prefix="ecom-chromium-")
    args = [
        chromium,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--remote-debugging-port={port}",
        f"--user-data-dir={profile}",
        "about:blank",
    ]
    proc = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        page = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    page = next(p for p in json.load(r) if p["type"] == "page")
                break
            except (OSError, StopIteration, ValueError):
                time.sleep(0.2)
        assert page, "chromium did not open a page"
        with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
            counter = iter(range(1, 1_000_000))

            def call(method: str, **params: object) -> dict:
                msg_id = next(counter)
                ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
                while True:
                    msg = json.loads(ws.recv(timeout=60))
                    if msg.get("id") == msg_id:
                        return msg.get("result", {})

            # A wide CSS viewport drawn at 0.6: more of the graph fits, the PNG stays ~1700 px.
            call(
                "Emulation.setDeviceMetricsOverride",
                width=2800,
                height=1700,
                deviceScaleFactor=0.6,
                mobile=False,
            )
            call("Page.navigate", url=url)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                res = call("Runtime.evaluate", expression=ready_js, returnByValue=True)
                if res.get("result", {}).get("value") is True:
                    break
                time.sleep(0.5)
            else:
                raise AssertionError(f"the page never became ready: {ready_js}")
            time.sleep(1.5)  # let the graph layout settle
            data = call("Page.captureScreenshot", format="png")["data"]
            out.write_bytes(base64.b64decode(data))
    finally:
        _stop(proc)
        shutil.rmtree(profile, ignore_errors=True)


def test_ui_shows_every_asset_and_check_with_its_status(
    admin_url: str,
    fresh_db_url: str,
    dagster_db_url: str,
    data_dir: Path,
    tmp_path: Path,
    artifacts_dir: Path,
) -> None:
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium not installed (apt-get install -y chromium)")

    from ecom_assets.defs.raw import importer
    from ecom_assets.lib import generator

    # A tiny month of data, landed before the webserver starts (partitions start at the data).
    export = data_dir / "export"
    generator.generate(
        export, scale=0.01, seed=7, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), progress=False
    )
    importer.import_export(export)

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "docker" / "dagster.yaml", home / "dagster.yaml")
    info = psycopg.conninfo.conninfo_to_dict(dagster_db_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DAGSTER_"))}
    env.update(
        ECOM_DATA_DIR=str(data_dir),
        ECOM_DATABASE_URL=fresh_db_url,
        DAGSTER_HOME=str(home),
        DAGSTER_PG_HOST=info.get("host") or "127.0.0.1",
        DAGSTER_PG_PORT=str(info.get("port") or 5432),
        DAGSTER_PG_DB=info["dbname"],
        DAGSTER_PG_USER=info.get("user") or "postgres",
        DAGSTER_PG_PASSWORD=info.get("password") or "",
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]

    with _process_group(server, env, tmp_path / "webserver.log") as web:
        # The run and the webserver's start overlap: both load the code location.
        run = subprocess.run(
            [str(BIN / "ecom"), "run"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        _wait_for(base, web, tmp_path / "webserver.log")

        from ecom_assets import runner
        from ecom_assets.definitions import defs

        d = defs()
        graph = d.resolve_asset_graph()
        expected_assets = {
            k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_materializable
        }
        run_assets = {k.to_user_string() for k in runner.pipeline_assets(d)}
        expected_checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
        assert run_assets and expected_checks

        nodes = _graphql(base, ASSETS_QUERY)["assetNodes"]
        shown = {"/".join(n["assetKey"]["path"]): n for n in nodes}
        assert set(shown) == expected_assets
        never = {k for k, n in shown.items() if not n["assetMaterializations"]}
        assert never == expected_assets - run_assets  # everything the run covers shows as materialized
        checks = {
            (k, c["name"]): c["executionForLatestMaterialization"]
            for k, n in shown.items()
            for c in n["assetChecksOrError"].get("checks", [])
        }
        assert set(checks) == expected_checks
        statuses = {key: (ex or {}).get("status") for key, ex in checks.items()}
        no_status = sorted(k for k, s in statuses.items() if s is None and k[0] in run_assets)
        assert not no_status, f"checks without a latest execution: {no_status}"
        failed = sorted(k for k, s in statuses.items() if s not in (None, "SUCCEEDED"))
        assert f"checks: {len(checks) - len(failed)} passed, {len(failed)} failed" in run.stdout

        # Dismiss the first-run pop-up before the browser opens the UI.
        assert _graphql(base, "mutation { setNuxSeen }") == {"setNuxSeen": True}
        assert (home / ".nux" / "nux.yaml").is_file()

        # The warehouse group's graph: dimensions and facts with their status and check counts.
        # (The global lineage page collapses groups and, headless, never fills in their statuses.)
        location = "ecom_assets.definitions"
        ready = (
            "(() => { const t = document.body ? document.body.innerText : '';"
            " return t.includes('fact_orders') && t.includes('Materialized') && t.includes('Passed')"
            " && !t.includes('Welcome to Dagster'); })()"
        )
        shot = artifacts_dir / "ui_asset_graph.png"
        shot.unlink(missing_ok=True)
        _screenshot(chromium, f"{base}/locations/{location}/asset-groups/warehouse", shot, ready)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 20_000  # a rendered graph, not a blank page (~8 KB)
