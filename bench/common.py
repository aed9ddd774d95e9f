"""What every benchmark shares: machine info, percentiles, and where results go.

Every result JSON carries the machine it ran on and the load average when the benchmark began
and ended: on a shared box a figure means little without them."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CACHE_DIR = Path(__file__).resolve().parent / ".cache"
PACKAGES = ("torch", "feast", "mlflow", "bentoml", "pyspark", "fastapi", "sqlalchemy", "faiss-cpu", "redis",
            "numpy", "uvicorn")
_started = {"load_average": os.getloadavg(), "at": time.time()}


def mark_start() -> None:
    """Note the load average as a benchmark begins (``bench.run`` calls it before each one;
    a benchmark run on its own is timed from this module's import)."""
    _started.update(load_average=os.getloadavg(), at=time.time())


def quick() -> bool:
    """``python -m bench.run --quick`` (``BENCH_QUICK=1``): small sizes, for development, not for figures."""
    return os.environ.get("BENCH_QUICK") == "1"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def machine_info() -> dict:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                           text=True).stdout.strip()
    return {"cores": os.cpu_count(), "cpu_model": _cpu_model(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "python": sys.version.split()[0], "platform": platform.platform(),
            "commit": commit + ("-dirty" if dirty else ""), "packages": versions,
            "load_average_start": [round(x, 2) for x in _started["load_average"]],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
            "wall_seconds": round(time.time() - _started["at"], 1),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def timed_calls(call, n: int, concurrency: int = 1, warmup: int = 10) -> tuple[list[float], float]:
    """``call(i)`` for i in 0..n-1 on ``concurrency`` threads after ``warmup`` unmeasured calls:
    each call's latency (s) and the wall time of the measured ones."""
    from concurrent.futures import ThreadPoolExecutor

    def one(i: int) -> float:
        started = time.perf_counter()
        call(i)
        return time.perf_counter() - started

    for i in range(warmup):
        one(i)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, range(n)))
    return latencies, time.perf_counter() - started


def latency_summary(seconds: list[float], wall: float | None = None) -> dict:
    ms = np.asarray(seconds) * 1000
    out = {"n": int(len(ms)), "p50_ms": round(float(np.percentile(ms, 50)), 2),
           "p95_ms": round(float(np.percentile(ms, 95)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
           "mean_ms": round(float(ms.mean()), 2)}
    if wall:
        out["throughput_rps"] = round(len(ms) / wall, 1)
    return out


def save_result(name: str, result: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "quick": quick(), "machine": machine_info(), **result}, indent=2))
    print(json.dumps(result, indent=2))
    print(f"saved {path}", file=sys.stderr)
    return path
