"""Vega-Lite helpers that need no Dagster: the page's JavaScript bundle, cached on disk, and
PDF pages rendered in a child process while the caller renders the rest.

vl-convert converts and renders on one JavaScript worker and holds the GIL while it does, so
threads do not overlap two renders; a second process does. The dashboards' three PDF pages are
the longest part of the dashboards step (about 5 s of its 9-10 s at any scale), and during it
PostgreSQL, the other core's usual tenant, is idle.

The child gets the page specs in a file and writes one PDF per page beside it, so neither side
ever waits on a full pipe. ``python -m ecom_assets.lib.vl_render DIR`` is the child; it imports
vl-convert and nothing of Dagster.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

SPECS = "specs.json"
BUNDLE_END = "\n/* end of the vl-convert bundle */\n"


@cache
def javascript_bundle(vl_version: str, cache_dir: Path | None = None) -> str:
    """Vega + Vega-Lite + vega-embed as one script, from the vl-convert wheel (no network).

    vl-convert bundles the modules anew on every call (2-5 s), and each ``ecom run`` is a new
    process: with ``cache_dir`` the script is kept in a file named by the vl-convert and
    Vega-Lite versions, so only the first build after installing a new vl-convert pays for it.
    """
    import vl_convert as vlc

    if cache_dir is None:
        return vlc.javascript_bundle(vl_version=vl_version)
    name = f"vega-bundle-vlconvert{importlib.metadata.version('vl-convert-python')}-vl{vl_version}.js"
    path = cache_dir / name
    try:
        text = path.read_text(encoding="utf-8")
        if text.endswith(BUNDLE_END):
            return text[: -len(BUNDLE_END)]
    except OSError:
        pass
    text = vlc.javascript_bundle(vl_version=vl_version)
    # The end marker tells a complete file from one cut short; the pid keeps concurrent builds
    # from writing the same temporary file. A cache that cannot be written (no home directory,
    # read-only) only means the next process builds the script again.
    tmp = path.with_name(f"{name}.{os.getpid()}.tmp")
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text + BUNDLE_END, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return text


def _page(directory: Path, i: int) -> Path:
    return directory / f"page-{i}.pdf"


class PdfJob:
    """Pages being rendered by a child process; :meth:`result` waits for them."""

    def __init__(self, specs: list[dict], vl_version: str) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="ecom-vl-")
        self.dir = Path(self._tmp.name)
        self.count = len(specs)
        (self.dir / SPECS).write_text(
            json.dumps({"vl_version": vl_version, "specs": specs}), encoding="utf-8"
        )
        # the child holds its own handle on the file: ours is closed once it has started
        with (self.dir / "stderr.txt").open("wb") as stderr:
            try:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "ecom_assets.lib.vl_render", str(self.dir)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
            except OSError:
                self._tmp.cleanup()
                raise

    def result(self, timeout: float = 600) -> list[bytes]:
        """The PDFs in page order; raises ``RuntimeError`` with the child's stderr if it failed."""
        try:
            code = self._proc.wait(timeout)
            if code != 0:
                err = (self.dir / "stderr.txt").read_text(encoding="utf-8", errors="replace")
                raise RuntimeError(f"PDF renderer exited with {code}: {err.strip()[-2000:]}")
            return [_page(self.dir, i).read_bytes() for i in range(self.count)]
        finally:
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            self._tmp.cleanup()


def main(directory: str) -> int:
    import vl_convert as vlc

    root = Path(directory)
    request = json.loads((root / SPECS).read_text(encoding="utf-8"))
    for i, spec in enumerate(request["specs"]):
        pdf = vlc.vegalite_to_pdf(spec, vl_version=request["vl_version"])
        tmp = root / f"page-{i}.pdf.tmp"
        tmp.write_bytes(pdf)
        tmp.replace(_page(root, i))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
