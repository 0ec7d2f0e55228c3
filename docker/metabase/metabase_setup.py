"""Point the Compose stack's Metabase at the warehouse's ``bi`` schema (profile ``metabase``).

Run by the one-shot ``metabase-setup`` service once Metabase answers ``/api/health``; safe to run
again on every ``docker compose --profile metabase up``:

1. a fresh Metabase is set up through its API (``GET /api/session/properties`` gives the setup
   token, ``POST /api/setup`` makes the admin from ``METABASE_ADMIN_EMAIL`` and
   ``METABASE_ADMIN_PASSWORD``); an existing one is logged into with the same credentials;
2. the warehouse is added as a PostgreSQL database (``POST /api/database``) that logs in as the
   read-only BI role (``ECOM_BI_USER`` / ``ECOM_BI_PASSWORD``) and syncs schema ``bi`` only; when
   it exists already (by name) its connection details are updated (``PUT``), so a new
   ``ECOM_BI_PASSWORD`` reaches Metabase on the next ``up``.

Only the Python standard library: the service runs in a stock ``python`` image. Passwords go to
Metabase in request bodies and are never printed.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

DATABASE_NAME = "ecom warehouse (bi)"
REQUIRED = ("METABASE_ADMIN_EMAIL", "METABASE_ADMIN_PASSWORD", "ECOM_BI_PASSWORD")


@dataclass(frozen=True)
class Settings:
    url: str
    admin: tuple[str, str]  # Metabase's first admin: email, password
    host: str
    port: int
    dbname: str
    bi: tuple[str, str]  # the warehouse login: the BI role, its password


def settings_from(env: Mapping[str, str]) -> Settings:
    """The settings from the environment; a clear error naming what is missing."""
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        raise SystemExit(
            f"metabase-setup: set {', '.join(missing)} in .env (see .env.example) to connect Metabase to the "
            "warehouse; nothing was changed"
        )
    return Settings(
        url=env.get("METABASE_URL", "http://metabase:3000").rstrip("/"),
        admin=(env["METABASE_ADMIN_EMAIL"], env["METABASE_ADMIN_PASSWORD"]),
        host=env.get("ECOM_DB_HOST", "postgres"),
        port=int(env.get("ECOM_DB_PORT", "5432")),
        dbname=env.get("ECOM_DB_NAME") or "ecom",
        bi=(env.get("ECOM_BI_USER") or "ecom_bi", env["ECOM_BI_PASSWORD"]),
    )


def database_details(s: Settings) -> dict[str, object]:
    """Metabase's PostgreSQL connection: the BI role, schema ``bi`` only (the role can read
    nothing else, and the filter keeps Metabase from listing the other schemas)."""
    return {
        "host": s.host,
        "port": s.port,
        "dbname": s.dbname,
        "user": s.bi[0],
        "password": s.bi[1],
        "ssl": False,
        "schema-filters-type": "inclusion",
        "schema-filters-patterns": "bi",
        "tunnel-enabled": False,
    }


def database_payload(s: Settings) -> dict[str, object]:
    return {"engine": "postgres", "name": DATABASE_NAME, "details": database_details(s), "is_full_sync": True}


def setup_payload(s: Settings, token: str) -> dict[str, object]:
    return {
        "token": token,
        "user": {
            "email": s.admin[0],
            "password": s.admin[1],
            "first_name": "ecom",
            "last_name": "admin",
            "site_name": "ecom analytics",
        },
        "prefs": {"site_name": "ecom analytics", "site_locale": "en", "allow_tracking": False},
    }


class Api:
    def __init__(self, url: str) -> None:
        self.url = url
        self.session: str | None = None

    def call(self, method: str, path: str, body: object | None = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.session:
            req.add_header("X-Metabase-Session", self.session)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                text = resp.read().decode() or "null"
        except urllib.error.HTTPError as exc:  # the body says why (never echoes our passwords)
            raise SystemExit(
                f"metabase-setup: {method} {path} answered {exc.code}: {exc.read()[:300]!r}"
            ) from None
        return json.loads(text)


def wait_healthy(api: Api, seconds: float = 300.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if (api.call("GET", "/api/health") or {}).get("status") == "ok":  # type: ignore[union-attr]
                return
        except (OSError, SystemExit):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(
                f"metabase-setup: Metabase at {api.url} did not become healthy in {seconds:.0f} s"
            )
        time.sleep(3)


def main(env: Mapping[str, str] = os.environ) -> int:
    s = settings_from(env)
    api = Api(s.url)
    wait_healthy(api)
    props = api.call("GET", "/api/session/properties")
    token = props.get("setup-token") if isinstance(props, dict) else None
    if isinstance(props, dict) and not props.get("has-user-setup") and token:
        api.session = api.call("POST", "/api/setup", setup_payload(s, token))["id"]  # type: ignore[index]
        print(f"metabase-setup: created the admin {s.admin[0]}")
    else:
        login = {"username": s.admin[0], "password": s.admin[1]}
        api.session = api.call("POST", "/api/session", login)["id"]  # type: ignore[index]
    found = api.call("GET", "/api/database")
    databases = found.get("data", []) if isinstance(found, dict) else found
    existing = next((d for d in databases or [] if d.get("name") == DATABASE_NAME), None)
    if existing is None:
        made = api.call("POST", "/api/database", database_payload(s))
        print(
            f"metabase-setup: added {DATABASE_NAME!r} (id {made.get('id')}): {s.bi[0]}@{s.host}:{s.port}/{s.dbname}, schema bi"
        )  # type: ignore[union-attr]
    else:
        api.call("PUT", f"/api/database/{existing['id']}", {"details": database_details(s)})
        print(
            f"metabase-setup: updated {DATABASE_NAME!r} (id {existing['id']}): {s.bi[0]}@{s.host}:{s.port}/{s.dbname}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
