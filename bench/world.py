"""The small bench world several benchmarks share: ``agora world generate`` → ``pipeline export``
→ ``pipeline features`` → ``features apply`` → ``features materialize``, run once through the CLI
(as a user would) into ``bench/.cache/world-<users>/`` and reused while ``COMPLETE`` is there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import CACHE_DIR

STEPS = (["world", "generate", "--seed", "7"], ["pipeline", "export"], ["pipeline", "features"],
         ["features", "apply"], ["features", "materialize"])


def world_env(home: Path, **extra: str) -> dict:
    env = {**os.environ, "AGORA_HOME": str(home), "HF_HUB_OFFLINE": "1", "SPARK_LOCAL_IP": "127.0.0.1",
           "AGORA_SPARK_MASTER": "local[2]", **extra}
    env.pop("AGORA_DATABASE_URL", None)
    env.pop("AGORA_REDIS_URL", None)
    return env


def agora(home: Path, *argv: str, **env: str) -> float:
    """Run one ``agora`` command for ``home``; its wall time in seconds (raises if it fails)."""
    started = time.perf_counter()
    log = home / "logs" / "bench-world.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        done = subprocess.run([sys.executable, "-m", "agora.cli", *argv], env=world_env(home, **env),
                              stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise RuntimeError(f"agora {' '.join(argv)} failed (exit {done.returncode}); see {log}")
    return time.perf_counter() - started


def bench_world(users: int) -> Path:
    """The home of a prepared ``users``-account world (built on first use, then cached)."""
    home = CACHE_DIR / f"world-{users}"
    if (home / "COMPLETE").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    for step in STEPS:
        argv = [*step, "--users", str(users)] if step[:2] == ["world", "generate"] else step
        seconds = agora(home, *argv)
        print(f"  bench world {users}: agora {' '.join(argv)} {seconds:.0f} s", file=sys.stderr, flush=True)
    (home / "COMPLETE").write_text("")
    return home
