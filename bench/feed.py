"""Ranked vs chronological home timeline, side by side in one run, against the real API and
ranker service (cold path: the ranked-page cache is off, so every request runs the pipeline).

World: ``BENCH_FEED_USERS`` accounts (default 2,000), built once in ``bench/.home-feed`` and reused."""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.common import latency_summary, save_result

HOME = Path(__file__).resolve().parent / ".home-feed"
REQUESTS = int(os.environ.get("BENCH_FEED_REQUESTS", "300"))
CONCURRENCY = int(os.environ.get("BENCH_FEED_CONCURRENCY", "4"))


def _prepare(users: int) -> None:
    from agora.cli import main as agora
    from platform_api.db import create_schema, session_scope
    from platform_api.tables import Account
    from agora.settings import get_settings

    settings = get_settings()
    settings.ensure_dirs()
    create_schema(settings)
    with session_scope(settings) as session:
        empty = session.query(Account.id).first() is None
    if empty:
        for argv in (["world", "generate", "--users", str(users), "--seed", "7"], ["pipeline", "export"],
                     ["pipeline", "features"], ["features", "apply"], ["features", "materialize"],
                     ["train", "ranker"]):
            assert agora(argv) == 0, argv


def _viewer_tokens(settings, count: int) -> list[str]:
    from sqlalchemy import select

    from platform_api.db import session_scope
    from platform_api.services.issue_token import IssueToken
    from platform_api.tables import Account

    with session_scope(settings) as session:
        accounts = session.scalars(select(Account).order_by(Account.following_count.desc()).limit(count)).all()
        return [IssueToken(session)(application=None, account=a, scopes="read")[0] for a in accounts]


def _load(base: str, tokens: list[str], order: str) -> tuple[list[float], float, dict]:
    client = httpx.Client(base_url=base, timeout=30)
    rankings: dict[str, int] = {}

    def one(i: int) -> float:
        started = time.perf_counter()
        response = client.get("/api/v1/timelines/home", params={"order": order, "limit": 20},
                              headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"})
        elapsed = time.perf_counter() - started
        response.raise_for_status()
        key = response.headers.get("X-Agora-Ranking", "?")
        rankings[key] = rankings.get(key, 0) + 1
        return elapsed

    for i in range(20):  # warm-up
        one(i)
    rankings.clear()
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        latencies = list(pool.map(one, range(REQUESTS)))
    return latencies, time.perf_counter() - started, rankings


def main() -> None:
    from agora.processes import free_port

    os.environ.update({"AGORA_HOME": str(HOME), "AGORA_API_PORT": str(free_port()),
                       "AGORA_SERVING_PORT": str(free_port()), "AGORA_FEED_CACHE_SECONDS": "0"})
    from agora.processes import ServiceGroup
    from agora.settings import get_settings, reset_settings_cache

    reset_settings_cache()
    _prepare(int(os.environ.get("BENCH_FEED_USERS", "2000")))
    settings = get_settings()
    tokens = _viewer_tokens(settings, 50)
    group = ServiceGroup(settings)
    group.start_ranker()
    group.start_api()
    try:
        ready = group.wait_ready(180)
        if not all(ready.values()):
            raise RuntimeError(f"services did not start: {ready}")
        ranked, ranked_wall, ranked_modes = _load(settings.api_url, tokens, "ranked")
        chrono, chrono_wall, _ = _load(settings.api_url, tokens, "chronological")
    finally:
        group.stop()
    ranked_summary = latency_summary(ranked, ranked_wall)
    chrono_summary = latency_summary(chrono, chrono_wall)
    save_result("feed_smoke", {
        "description": "home timeline, cold path (no ranked-page cache), concurrent clients",
        "concurrency": CONCURRENCY, "viewers": len(tokens),
        "ranked": {**ranked_summary, "rankings": ranked_modes},
        "chronological": chrono_summary,
        "ratio_p95_ranked_over_chronological": round(ranked_summary["p95_ms"] / chrono_summary["p95_ms"], 2),
    })
    print(f"ranked p95 {ranked_summary['p95_ms']} ms vs chronological {chrono_summary['p95_ms']} ms",
          file=sys.stderr)
