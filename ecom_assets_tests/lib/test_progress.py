"""Progress as the user sees it: lines in a log, a bar on a terminal, nothing when quiet."""

from __future__ import annotations

import io
import re

from ecom_assets.lib import progress
from ecom_assets.lib.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _work(p: Progress) -> None:
    with p.step("import orders.csv", total=3 * 1024 * 1024, unit="B"):
        for _ in range(3):
            p.advance(1024 * 1024)
        p.done("12,800 rows, 3 rejected")
    with p.step("generate", total=2, unit="months"):
        p.advance(1, "generate 2025-10 (Oct): 93 orders")
        p.advance(1, "generate 2025-11 (Nov): 126 orders")


def test_lines_mode_prints_one_line_per_step_and_the_notes() -> None:
    out = io.StringIO()
    p = Progress.for_stream(stream=out)
    assert p.mode == "lines"
    _work(p)
    lines = [re.sub(r" \(\d+\.\d s\)$", "", line) for line in out.getvalue().splitlines()]
    assert lines == [
        "import orders.csv: 12,800 rows, 3 rejected",
        "  generate 2025-10 (Oct): 93 orders",
        "  generate 2025-11 (Nov): 126 orders",
        "generate: 2 months of 2 months",
    ]
    assert "\r" not in out.getvalue()


def test_a_terminal_gets_a_bar_redrawn_in_place() -> None:
    out = Terminal()
    p = Progress.for_stream(stream=out)
    assert p.mode == "bar"
    _work(p)
    text = out.getvalue()
    assert "\r\033[K" in text  # redrawn in place
    drawn = [re.sub(r" \(\d+\.\d s\)$", "", line) for line in text.replace("\r\033[K", "\n").splitlines()]
    assert "import orders.csv [" + "." * 24 + "] 0 B of 3.0 MB 0s" in drawn  # the bar at the start
    # a note is drawn at once, beside the bar it moved on
    half = "#" * 12 + "." * 12
    assert f"generate [{half}] 1 months of 2 months 0s  generate 2025-10 (Oct): 93 orders" in drawn
    assert "import orders.csv: 12,800 rows, 3 rejected" in drawn  # the finishing line stays
    assert text.endswith("\n")


def test_quiet_prints_nothing_and_silent_is_the_default() -> None:
    out = Terminal()
    _work(Progress.for_stream(quiet=True, stream=out))
    assert out.getvalue() == ""
    assert progress.current().mode == "quiet"
    loud = Progress("lines", io.StringIO())
    with progress.reporting_to(loud):
        assert progress.current() is loud
    assert progress.current().mode == "quiet"


def test_a_failed_step_clears_the_bar_without_a_done_line() -> None:
    out = Terminal()
    p = Progress("bar", out)
    try:
        with p.step("load", total=10):
            p.advance(3)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert out.getvalue().endswith("\r\033[K")
    assert "load:" not in out.getvalue()
