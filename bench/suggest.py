"""Follow-suggestion latency, side by side in one run: the ``follow-suggest`` service's
``/suggest`` (one viewer per call: candidate generation + featurisation + ranking), its
batchable ``/score`` under concurrent callers, and ``GET /api/v2/suggestions`` on the real API
with the service up (model path) and then stopped (the friends-of-friends fallback: the baseline).

World: ``bench/.home-suggest`` (generated once: 1,000 accounts, exported, ``agora train
suggest``), or the home in ``BENCH_SUGGEST_HOME``. The API's budget for the service is
``AGORA_SUGGEST_TIMEOUT_MS`` (300 ms)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from bench.common import latency_summary, save_result, timed_calls

HOME = Path(os.environ.get("BENCH_SUGGEST_HOME", Path(__file__).resolve().parent / ".home-suggest"))
VIEWERS = int(os.environ.get("BENCH_SUGGEST_VIEWERS", "200"))
CONCURRENCY = int(os.environ.get("BENCH_SUGGEST_CONCURRENCY", "8"))


def _ensure_world_and_champion(settings) -> None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from models.registry import configure_mlflow

    agora = [sys.executable, "-m", "agora.cli"]
    if not settings.events_dir.exists():
        subprocess.run([*agora, "world", "generate", "--users", "1000"], check=True)
        subprocess.run([*agora, "pipeline", "export"], check=True)
    configure_mlflow("follow-suggest", settings)
    try:
        MlflowClient().get_model_version_by_alias("follow-suggest", "champion")
    except MlflowException:
        subprocess.run([*agora, "train", "suggest"], check=True)


def _viewers(settings) -> list[tuple[int, list[int], str]]:
    """(viewer id, follows oldest first, bearer token) of the first accounts that follow someone."""
    from sqlalchemy import select

    from platform_api.db import session_scope
    from platform_api.repositories.suggestions import following_ids
    from platform_api.services.issue_token import IssueToken
    from platform_api.tables import Account

    with session_scope(settings) as session:
        accounts = session.scalars(select(Account).where(Account.following_count > 0).order_by(Account.id)
                                   .limit(VIEWERS)).all()
        return [(a.id, following_ids(session, viewer_id=a.id),
                 IssueToken(session)(application=None, account=a, scopes="read")[0]) for a in accounts]


def _api_load(api_url: str, viewers) -> dict:
    client = httpx.Client(base_url=api_url, timeout=30)

    def get(i: int) -> None:
        token = viewers[i % len(viewers)][2]
        client.get("/api/v2/suggestions?limit=40", headers={"Authorization": f"Bearer {token}"}).raise_for_status()

    latencies, wall = timed_calls(get, len(viewers))
    return latency_summary(latencies, wall)


def main() -> None:
    from agora.processes import free_port

    HOME.mkdir(parents=True, exist_ok=True)
    os.environ.update({"AGORA_HOME": str(HOME), "AGORA_API_PORT": str(free_port()),
                       "AGORA_SERVING_PORT": str(free_port()), "AGORA_MODERATION_PORT": str(free_port()),
                       "AGORA_SUGGEST_PORT": str(free_port()), "AGORA_RATE_LIMIT_REQUESTS": "1000000",
                       "HF_HUB_OFFLINE": "1"})
    from agora.processes import ServiceGroup
    from agora.settings import get_settings, reset_settings_cache
    from serving.suggest.client import SuggestClient

    reset_settings_cache()
    settings = get_settings()
    _ensure_world_and_champion(settings)
    viewers = _viewers(settings)
    group = ServiceGroup(settings)
    group.start_suggest()
    group.start_api()
    try:
        ready = group.wait_ready(240)
        if not all(ready.values()):
            raise RuntimeError(f"services did not start: {ready}")
        load_before = os.getloadavg()[0]
        client = SuggestClient(settings.suggest_url, timeout_s=30)
        model = client.suggest(*viewers[0][:2], viewers[0][1][-5:], limit=1)[1]

        def suggest(i: int) -> None:
            viewer, follows, _ = viewers[i % len(viewers)]
            client.suggest(viewer, follows, follows[-5:], limit=100)

        suggest_latencies, suggest_wall = timed_calls(suggest, len(viewers))
        score_client = httpx.Client(base_url=settings.suggest_url, timeout=30)

        def score(i: int) -> None:
            pairs = [[viewers[i % len(viewers)][0], v[0]] for v in viewers[:50]]
            score_client.post("/score", json={"pairs": pairs}).raise_for_status()

        score_latencies, score_wall = timed_calls(score, len(viewers), CONCURRENCY)
        with_model = _api_load(settings.api_url, viewers)
        service = group.processes["suggest"]
        os.killpg(service.pid, signal.SIGTERM)
        service.wait(30)
        fallback = _api_load(settings.api_url, viewers)
        load_after = os.getloadavg()[0]
    finally:
        group.stop()
    save_result("suggest", {
        "description": "follow-suggest /suggest (one viewer per call, limit 100), /score (50 pairs per call, "
                       f"{CONCURRENCY} concurrent callers, adaptive batching) and GET /api/v2/suggestions?limit=40 "
                       "with the service up (model) vs stopped (friends-of-friends fallback, the baseline)",
        "model": model, "viewers": len(viewers),
        "service_suggest": latency_summary(suggest_latencies, suggest_wall),
        "service_score_concurrent": latency_summary(score_latencies, score_wall),
        "api_suggestions": {"model": with_model, "fallback_service_stopped": fallback,
                            "added_p50_ms": round(with_model["p50_ms"] - fallback["p50_ms"], 2),
                            "added_p95_ms": round(with_model["p95_ms"] - fallback["p95_ms"], 2)},
        "budget_ms": settings.suggest_timeout_ms,
        "load_average_1m": {"before": round(load_before, 2), "after": round(load_after, 2)},
    })
