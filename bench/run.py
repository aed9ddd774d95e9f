"""``make bench``: run every benchmark; each writes ``bench/results/<name>.json``; then
``bench/report.py`` turns every JSON there into ``bench/REPORT.md`` and its plots.

    python -m bench.run                          all of them (full sizes)
    python -m bench.run --only delivery,faiss    a subset (short names: bench.faiss_ann is "faiss")
    python -m bench.run --quick                  small sizes (BENCH_QUICK=1), for development

One failing benchmark is reported and the others still run (exit status 1 at the end)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

BENCHMARKS = ["bench.feed", "bench.moderation", "bench.media_hash", "bench.pipeline", "bench.suggest"]
BENCHMARKS += ["bench.delivery", "bench.hydration", "bench.faiss_ann", "bench.training"]


def selected(only: str | None) -> list[str]:
    """``--only delivery,faiss`` → the modules whose short name starts with one of the words."""
    if not only:
        return BENCHMARKS
    words = [w.strip().removeprefix("bench.") for w in only.split(",") if w.strip()]
    chosen = [m for m in BENCHMARKS if any(m.removeprefix("bench.").startswith(w) for w in words)]
    unknown = [w for w in words if not any(m.removeprefix("bench.").startswith(w) for m in BENCHMARKS)]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run Agora's benchmarks and write bench/REPORT.md.")
    parser.add_argument("--only", help="comma-separated benchmark names (e.g. delivery,faiss)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--no-report", action="store_true", help="do not regenerate bench/REPORT.md")
    args = parser.parse_args(argv)
    if args.quick:
        os.environ["BENCH_QUICK"] = "1"
    from bench import common

    failures = []
    for name in selected(args.only):
        started = time.time()
        common.mark_start()
        print(f"==> {name}", file=sys.stderr, flush=True)
        try:
            importlib.import_module(name).main()
            print(f"<== {name}: ok in {time.time() - started:.0f} s", file=sys.stderr, flush=True)
        except Exception as exc:  # noqa: BLE001 - report and continue with the others
            failures.append(name)
            print(f"<== {name}: FAILED after {time.time() - started:.0f} s: {exc!r}", file=sys.stderr, flush=True)
    if not args.no_report:
        from bench import report

        print(f"report: {report.main()}", file=sys.stderr)
    if failures:
        print(f"failed: {', '.join(failures)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
