"""`python -m bench NAME [args]`: run one benchmark module `bench/NAME.py` (its `main(argv)`)."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name not in {"report", "__main__", "targets", "page_log"}  # helpers of page.py
    )
    if len(sys.argv) < 2 or sys.argv[1] not in names:
        print("usage: python -m bench NAME [args]\nbenchmarks: " + ", ".join(names))
        return 2
    return importlib.import_module(f"bench.{sys.argv[1]}").main(sys.argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main())
