"""The feed benchmark's world: a bulk world (``agora world generate --bulk``) and the chain that
gives the ranker something to learn and serve — export → features → Feast apply → materialize →
train ranker — run through the CLI into ``bench/.cache/feed-world-<users>/``.

Built once and reused while ``COMPLETE`` is there. Each finished step's wall time goes to
``build.json`` as it ends, so an interrupted build resumes after its last finished step (a world
only half generated is rebuilt) and the slowest step of a big world is on record."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from bench.common import CACHE_DIR
from bench.world import agora

STEPS = {"world": ["world", "generate", "--bulk", "--seed", "7"], "export": ["pipeline", "export"],
         "features": ["pipeline", "features"], "feast_apply": ["features", "apply"],
         "materialize": ["features", "materialize"], "train_ranker": ["train", "ranker"]}


def feed_world(users: int, steps: tuple[str, ...] = tuple(STEPS)) -> tuple[Path, dict]:
    """The home of a ``users``-account feed world built up to ``steps`` (all of them by default)
    and its build record (step → seconds). ``COMPLETE`` marks a world with the whole chain."""
    home = CACHE_DIR / f"feed-world-{users}"
    record_path = home / "build.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    if (home / "COMPLETE").exists():
        return home, record
    if "world" not in record.get("steps", {}):
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        record = {"users": users, "steps": {}}
    for name, argv in STEPS.items():
        if name in record["steps"] or name not in steps:
            continue
        argv = [*argv, "--users", str(users)] if name == "world" else argv
        started = time.time()
        print(f"  feed world {users}: agora {' '.join(argv)} …", file=sys.stderr, flush=True)
        agora(home, *argv)
        record["steps"][name] = round(time.time() - started, 1)
        record.setdefault("load_average", {})[name] = [round(x, 2) for x in os.getloadavg()]
        record_path.write_text(json.dumps(record, indent=2))
        print(f"  feed world {users}: {name} {record['steps'][name]:.0f} s", file=sys.stderr, flush=True)
    if all(name in record["steps"] for name in STEPS):
        (home / "COMPLETE").write_text("")
    return home, record
