"""Wall time of every trainer on the bench world (``bench/world.py``) → ``bench/results/training.json``.

Each trainer runs as the CLI command a user types, in its own process, so the figure includes
what a user waits for (imports, Spark or MLflow start-up, data loading, logging). The baseline,
measured in the same run, is that fixed cost: ``agora --help`` (the CLI's imports alone), so
``net_seconds`` is the trainer's own work. Moderation fine-tunes MiniLM on the made-up smoke CSV
(``models/moderation/smoke_data.py``) capped with ``--max-rows``: its time, not its quality."""

from __future__ import annotations

import sys

from bench.common import quick, save_result
from bench.world import agora, bench_world


def trainers(home, max_rows: int) -> dict[str, list[str]]:
    from models.moderation.smoke_data import write_smoke_csv

    smoke = write_smoke_csv(home / "smoke_moderation.csv")
    return {
        "ranker": ["train", "ranker"],
        "retrieval": ["train", "retrieval"],
        "suggest": ["train", "suggest"],
        "moderation_spam": ["moderation", "train-spam"],
        "moderation_text": ["moderation", "train", "--data", str(smoke), "--max-rows", str(max_rows),
                            "--epochs", "1", "--no-progress"],
    }


def main() -> None:
    users = 300 if quick() else 1000
    home = bench_world(users)
    baseline = min(agora(home, "--help") for _ in range(3))
    results = {}
    for name, argv in trainers(home, max_rows=200 if quick() else 600).items():
        try:
            seconds = agora(home, *argv, OMP_NUM_THREADS="2")
        except RuntimeError as exc:  # a trainer that does not run here is reported, not fatal
            results[name] = {"command": "agora " + " ".join(argv), "error": str(exc)}
            print(f"  {name}: {exc}", file=sys.stderr)
            continue
        results[name] = {"command": "agora " + " ".join(argv), "wall_seconds": round(seconds, 1),
                         "net_seconds": round(seconds - baseline, 1),
                         "ratio_vs_baseline": round(seconds / baseline, 1)}
        print(f"  {name}: {seconds:.1f} s", file=sys.stderr, flush=True)
    save_result("training", {
        "description": "wall time of each trainer's CLI command on the bench world; baseline: "
                       "`agora --help` (process start-up and imports, best of 3)",
        "world_users": users, "baseline": {"command": "agora --help", "wall_seconds": round(baseline, 2)},
        "trainers": results,
    })


if __name__ == "__main__":
    main()
