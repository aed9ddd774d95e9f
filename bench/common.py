"""What every benchmark shares: machine info, percentiles, and where results go."""

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
PACKAGES = ("torch", "feast", "mlflow", "bentoml", "pyspark", "fastapi", "sqlalchemy", "faiss-cpu")


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
    return {"cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1), "python": sys.version.split()[0],
            "platform": platform.platform(), "commit": commit, "packages": versions,
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


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
    path.write_text(json.dumps({"benchmark": name, "machine": machine_info(), **result}, indent=2))
    print(json.dumps(result, indent=2))
    print(f"saved {path}", file=sys.stderr)
    return path
