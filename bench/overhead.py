"""Orchestration overhead: the pipeline's wall time over the same COPY and SQL run directly by psql.

    python -m bench overhead [--scale 10] [--runs 3] [--url postgresql://...admin]

Setup (untimed): the default history at ``--scale`` is generated and imported once into a data
dir under /tmp. Then, in the same invocation:

1. pipeline, ``--runs`` times: a child process, fresh database, ``runner.run_graph`` over every
   asset but the dashboards (their cost is a browser rendering charts, not SQL), timed around
   ``run_graph`` (definitions load included, interpreter start not);
2. one more pipeline run with every statement captured: ``psycopg.Cursor.execute``,
   ``executemany``, ``copy`` and ``Connection.commit``/``rollback`` are wrapped in the child and
   each statement is recorded with the Dagster step that issued it and bound to its literal
   parameters (``mogrify``); the staging, warehouse and analytics steps' statements become one
   psql script, in order, with ``BEGIN``/``COMMIT`` where the pipeline's connections had their
   transactions. Each ``COPY ... FROM STDIN`` of the staging loads becomes a ``\\copy`` of that
   table's staged rows, exported to CSV after the run (exactly the rows the pipeline COPYd), at
   the place of its first COPY; ``COPY ... TO STDOUT`` (the contract checks' reads) stays SQL;
3. direct, ``--runs`` times: a fresh database with the schemas and staging tables created
   (untimed), then timed: ``psql -f replay.sql``.

Until 2026-11-26 the direct side left out the staging steps' own SQL (ledger, key checks,
row accounting, previews, the contract reads) and ran the ``\\copy`` of every table before
the replay: it measured less SQL than the pipeline runs. Now both sides run the same SQL.

Ratio = median pipeline / median direct (target <= 1.5 at scale 10). What the pipeline does
beyond the direct path: parsing and validating every CSV in Python, the checks' Python side,
Dagster's planning and event log, and the analytics contracts in pandas.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

import psycopg
from psycopg import sql

from bench import common, report

CHILD = """
import json, sys, time
from pathlib import Path
mode, out = sys.argv[1], Path(sys.argv[2])
from ecom_assets import runner
captured = []
if mode == "capture":
    import psycopg
    from dagster._core.execution.context.compute import current_execution_context

    def step():
        ctx = current_execution_context.get()
        return None if ctx is None else ctx.op_execution_context.op.name

    def record(conn, kind, query=None, params=None):
        captured.append((step(), id(conn), kind, query, params, conn))

    orig_execute, orig_many = psycopg.Cursor.execute, psycopg.Cursor.executemany
    orig_commit, orig_rollback = psycopg.Connection.commit, psycopg.Connection.rollback
    orig_copy = psycopg.Cursor.copy

    def record_statement(cursor, kind, query, params_seq):
        conn = cursor.connection  # a statement on an idle connection opens its transaction
        if not conn.autocommit and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            record(conn, "begin")
        for p in params_seq:
            record(conn, kind, query, p)

    def execute(self, query, params=None, **kw):
        record_statement(self, "sql", query, [params])
        return orig_execute(self, query, params, **kw)

    def executemany(self, query, params_seq, **kw):
        params_seq = list(params_seq)
        record_statement(self, "sql", query, params_seq)
        return orig_many(self, query, params_seq, **kw)

    def copy(self, statement, params=None, **kw):
        record_statement(self, "copy", statement, [params])
        return orig_copy(self, statement, params, **kw)

    def commit(self):
        if self.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            record(self, "commit")
        return orig_commit(self)

    def rollback(self):
        if self.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            record(self, "rollback")
        return orig_rollback(self)

    psycopg.Cursor.execute, psycopg.Cursor.executemany = execute, executemany
    psycopg.Cursor.copy = copy
    psycopg.Connection.commit, psycopg.Connection.rollback = commit, rollback

defs = runner.load_definitions()
selection = [k for k in runner.pipeline_assets(defs) if k.path[0] != "dashboards"]
t0 = time.perf_counter()
s = runner.run_graph(asset_selection=selection)
seconds = time.perf_counter() - t0
if not s.ok:
    runner.print_summary(s)
    sys.exit(1)
if mode == "capture":
    import os
    import psycopg
    from psycopg import ClientCursor
    import re
    keep = ("staging__", "warehouse__", "analytics__")
    target = re.compile(r'^COPY\\s+"?(\\w+)"?\\."?(\\w+)"?[\\s(].*FROM\\s+STDIN', re.S | re.I)
    lines, n, copies, copied = [], 0, 0, set()
    with psycopg.connect(os.environ["ECOM_DATABASE_URL"]) as conn:
        cur = ClientCursor(conn)
        open_tx = set()
        for op, cid, kind, query, params, c in captured:
            if not (op and op.startswith(keep)):
                continue
            if kind == "begin":
                lines.append("BEGIN;")
                open_tx.add(cid)
            elif kind in ("commit", "rollback"):
                if cid in open_tx:
                    lines.append(kind.upper() + ";")
                    open_tx.discard(cid)
            else:
                text = cur.mogrify(query, params).strip().rstrip(";")
                m = target.match(text) if kind == "copy" else None
                if m:  # the staged rows, exported after the run: one \\copy where the first COPY was
                    table = f"{m.group(1)}.{m.group(2)}"
                    if table not in copied:
                        copied.add(table)
                        lines.append(f"-- {op}\\n\\\\copy {table} FROM '@@DIR@@/{table}.csv' csv")
                        copies += 1
                    continue
                lines.append(f"-- {op}\\n{text};")
                n += 1
        lines += ["COMMIT;"] * len(open_tx)
    (out / "replay.sql").write_text("\\n".join(lines) + "\\n")
    print(json.dumps({"statements": n, "copies": copies}))
print(json.dumps({"seconds": seconds}))
"""


def pipeline(admin: str, data: Path, mode: str, out: Path) -> tuple[float, dict, str]:
    """One pipeline run in a child on a fresh database; returns its seconds, its JSON lines, the URL."""
    url = common.create_db(admin, "ecom_bench_overhead")
    env = common.env_for(data, url)
    common.rmtree(data / "dagster_home" / "storage")
    _, _, lines = common.run_child([common.python(), "-c", CHILD, mode, str(out)], env)
    result: dict = {}
    for _, text in lines:
        if text.startswith("{"):
            result.update(json.loads(text))
    return result["seconds"], result, url


def export_staged(url: str, out: Path) -> None:
    """The staged rows of the pipeline, one CSV per staging table (what the staging loads COPY),
    named as the replay script's ``\\copy`` lines expect."""
    with psycopg.connect(url) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging' "
                "AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
    for name in tables:
        psql(url, f"\\copy staging.{name} TO '{out / f'staging.{name}.csv'}' csv")


def psql(url: str, command: str | None = None, script: Path | None = None) -> float:
    args = ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null"]
    args += ["-c", command] if command else ["-f", str(script)]
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


CHECKED_SCHEMAS = ("staging", "warehouse", "analytics")


def row_counts(url: str) -> dict[str, int]:
    """Rows per table of the staging, warehouse and analytics schemas (partitions as their parent)."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition ORDER BY 1, 2",
            (list(CHECKED_SCHEMAS),),
        ).fetchall()
        return {
            f"{s}.{t}": conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(s, t))
            ).fetchone()[0]
            for s, t in tables
        }


def direct(admin: str, work: Path, captured_db: str, expected: dict[str, int]) -> float:
    """Replay the captured run through psql on a fresh database: its statements in order, with
    ``\\copy`` of the staged rows where its COPYs were; returns the seconds of that one psql.

    Statements naming the captured run's database (the BI role's GRANT CONNECT) get the new name.
    The schemas and staging tables are created first, untimed (the pipeline's own DDL
    statements are replayed too and find them there).
    """
    from ecom_assets.defs.staging import ddl as staging_ddl
    from ecom_assets.lib import postgres

    url = common.create_db(admin, "ecom_bench_direct")
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    script = work / "replay-run.sql"
    script.write_text(
        (work / "replay.sql").read_text().replace(captured_db, name).replace("@@DIR@@", str(work))
    )
    try:
        with psycopg.connect(url) as conn:
            postgres.ensure_schemas(conn)
            staging_ddl.ensure_staging_tables(conn)
        seconds = psql(url, script=script)
        got = row_counts(url)  # the replay did the pipeline's work: the same rows in every table
        if got != expected:
            diff = {
                t: (expected.get(t), got.get(t))
                for t in sorted(set(got) | set(expected))
                if got.get(t) != expected.get(t)
            }
            raise SystemExit(
                f"the direct replay did not reproduce the pipeline's tables (pipeline, direct): {diff}"
            )
        return seconds
    finally:
        common.drop_db(admin, url)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench overhead", description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=float, default=10.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--url", default=None, help="admin URL (default $ECOM_TEST_DATABASE_URL or local postgres)"
    )
    p.add_argument("--no-append", action="store_true", help="print only")
    args = p.parse_args(argv)
    admin = common.admin_url(args.url)
    work = common.scratch("overhead")
    data = work / "data"
    try:
        from ecom_assets.defs.raw import importer
        from ecom_assets.lib import generator

        data.mkdir()
        generator.generate(work / "export", scale=args.scale, end=generator.REFERENCE_END, progress=False)
        importer.import_export(work / "export", landing_root=data / "landing")
        common.rmtree(work / "export")
        load_before = common.load()

        seconds, info, url = pipeline(admin, data, "capture", work)
        try:
            with psycopg.connect(url) as conn:
                staged = {
                    t: conn.execute(
                        sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("staging", t))
                    ).fetchone()[0]
                    for t in ("orders", "order_items", "clickstream", "inventory")
                }
            export_staged(url, work)
            expected = row_counts(url)
        finally:
            common.drop_db(admin, url)
        captured_db = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        pipe, direct_total = [], []
        for i in range(args.runs):
            s, _, url = pipeline(admin, data, "plain", work)
            common.drop_db(admin, url)
            d = direct(admin, work, captured_db, expected)
            pipe.append(s)
            direct_total.append(d)
            print(f"run {i + 1}: pipeline {s:.1f} s, psql {d:.1f} s (load {common.load()})", flush=True)
    finally:
        common.rmtree(work)
    ratio = common.median(pipe) / common.median(direct_total)
    rows = [
        [
            "pipeline: run_graph (all but dashboards), child process",
            f"{common.median(pipe):.1f}",
            common.fmt(pipe),
            "",
        ],
        [
            f"direct: psql -f replay.sql ({info['statements']:,} staging, warehouse and analytics statements, "
            f"{info['copies']} \\\\copy of the staged rows where the pipeline's COPYs were)",
            f"{common.median(direct_total):.1f}",
            common.fmt(direct_total),
            "",
        ],
        ["**ratio pipeline / direct**", f"**{ratio:.2f}**", "", "target <= 1.5"],
    ]
    body = report.table(["what", "median s", "runs s", "note"], rows)
    body += (
        f"\n\nScale {args.scale:g}, staged rows: "
        + ", ".join(f"{t} {n:,}" for t, n in staged.items())
        + f"; capture run {seconds:.1f} s (not in the medians). Load average before {load_before}, after "
        f"{common.load()} (2 cores, shared). After every direct replay each staging, warehouse and analytics table held the "
        "pipeline's row count (checked). The pipeline's own parse/validate of the landed CSVs, its checks, "
        "Dagster's bookkeeping and the analytics contracts are the difference."
    )
    if args.no_append:
        print(body)
    else:
        report.append(f"Orchestration overhead (scale {args.scale:g})", body)
    return 0
