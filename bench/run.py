"""``make bench``: run every benchmark; each writes ``bench/results/<name>.json``."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = ["bench.feed"]


def main(names: list[str]) -> int:
    failures = 0
    for name in names or BENCHMARKS:
        started = time.time()
        print(f"==> {name}", file=sys.stderr, flush=True)
        try:
            importlib.import_module(name).main()
        except Exception as exc:  # noqa: BLE001 - report and continue with the others
            failures += 1
            print(f"{name} failed: {exc!r}", file=sys.stderr)
        print(f"    {time.time() - started:.0f} s", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
