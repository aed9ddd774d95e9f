"""Moderation inline latency, side by side in one run: the ``moderation`` service's
``/classify`` (one post per call, and concurrent callers merged by adaptive batching), and
``POST /api/v1/statuses`` on the real API with the service up (inline moderation) and then
stopped (the fallback: the post is accepted as pending, no classification on the request).

Model: the champion in ``bench/.home-moderation`` if there is one (copy a real one there),
else a MiniLM fine-tuned for a minute on the made-up smoke set. Latency depends on the
architecture (the same MiniLM either way), not on what it learnt. The issue's target: text
classification p95 ≤ 25 ms on CPU."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.common import latency_summary, save_result, timed_calls

HOME = Path(__file__).resolve().parent / ".home-moderation"
REQUESTS = int(os.environ.get("BENCH_MODERATION_REQUESTS", "300"))
CONCURRENCY = int(os.environ.get("BENCH_MODERATION_CONCURRENCY", "8"))
TEXTS = ("just baked fresh bread with the kids this morning", "shut up you absolute clown, nobody asked",
         "the new library opens on sunday, who is coming along?", "what a pathetic excuse of a match that was")


def _ensure_champion() -> None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from models.registry import configure_mlflow

    configure_mlflow("moderation")
    try:
        MlflowClient().get_model_version_by_alias("moderation-text", "champion")
        return
    except MlflowException:
        pass
    from models.moderation.smoke_data import write_smoke_csv

    data = write_smoke_csv(HOME / "smoke_moderation.csv")
    subprocess.run([sys.executable, "-m", "agora.cli", "moderation", "train", "--data", str(data), "--epochs", "2",
                    "--no-progress"], check=True)


def _classify_load(url: str) -> dict:
    client = httpx.Client(base_url=url, timeout=30)

    def classify(i: int) -> None:
        client.post("/classify", json={"texts": [TEXTS[i % len(TEXTS)]]}).raise_for_status()

    single, single_wall = timed_calls(classify, REQUESTS, warmup=20)
    concurrent, concurrent_wall = timed_calls(classify, REQUESTS, CONCURRENCY, warmup=20)
    return {"one_caller": latency_summary(single, single_wall),
            f"{CONCURRENCY}_callers_batched": latency_summary(concurrent, concurrent_wall)}


def _in_process() -> dict:
    """The model alone (one text per call, one thread, as the service runs it): the floor under /classify."""
    import torch

    from models.moderation.classifier import TextModerator

    torch.set_num_threads(1)
    moderator = TextModerator.load()
    latencies, wall = timed_calls(lambda i: moderator.classify([TEXTS[i % len(TEXTS)]]), REQUESTS, warmup=20)
    return latency_summary(latencies, wall)


def _post_load(api_url: str, token: str) -> dict:
    client = httpx.Client(base_url=api_url, timeout=30, headers={"Authorization": f"Bearer {token}"})

    def post(i: int) -> None:
        response = client.post("/api/v1/statuses", json={"status": f"{TEXTS[i % len(TEXTS)]} ({i})"})
        response.raise_for_status()

    latencies, wall = timed_calls(post, REQUESTS, warmup=20)
    return latency_summary(latencies, wall)


def _account(settings) -> tuple[int, str]:
    from platform_api.db import create_schema, session_scope
    from platform_api.services.issue_token import IssueToken
    from platform_api.services.register_account import RegisterAccount

    create_schema(settings)
    with session_scope(settings) as session:
        account = RegisterAccount(session)(username=f"bench{int(time.time())}", email=f"b{time.time()}@example.org",
                                           password="correct horse", password_hash="-")
        return account.id, IssueToken(session)(application=None, account=account, scopes="read write")[0]


def _moderation_states(settings, account_id: int) -> dict[str, int]:
    """This run's posts by moderation state (the pending ones missed the budget or the service)."""
    from sqlalchemy import func, select

    from platform_api.db import session_scope
    from platform_api.tables import Status

    with session_scope(settings) as session:
        rows = session.execute(select(Status.moderation_state, func.count()).where(Status.account_id == account_id)
                               .group_by(Status.moderation_state))
        return dict(rows.all())


def main() -> None:
    from agora.processes import free_port

    HOME.mkdir(parents=True, exist_ok=True)
    os.environ.update({"AGORA_HOME": str(HOME), "AGORA_API_PORT": str(free_port()),
                       "AGORA_SERVING_PORT": str(free_port()), "AGORA_MODERATION_PORT": str(free_port()),
                       "AGORA_RATE_LIMIT_REQUESTS": "1000000", "HF_HUB_OFFLINE": "1"})
    from agora.processes import ServiceGroup
    from agora.settings import get_settings, reset_settings_cache

    reset_settings_cache()
    settings = get_settings()
    _ensure_champion()
    account_id, token = _account(settings)
    group = ServiceGroup(settings)
    group.start_moderation()
    group.start_api()
    try:
        ready = group.wait_ready(240)
        if not all(ready.values()):
            raise RuntimeError(f"services did not start: {ready}")
        model = httpx.post(f"{settings.moderation_url}/classify", json={"texts": ["hello"]}).json()[0]["model"]
        classify = {"model_in_process": _in_process(), **_classify_load(settings.moderation_url)}
        load_before = os.getloadavg()[0]
        with_moderation = _post_load(settings.api_url, token)
        states_inline = _moderation_states(settings, account_id)
        service = group.processes["moderation"]
        os.killpg(service.pid, signal.SIGTERM)
        service.wait(30)
        without_moderation = _post_load(settings.api_url, token)
        states = _moderation_states(settings, account_id)
        load_after = os.getloadavg()[0]
    finally:
        group.stop()
    save_result("moderation", {
        "description": "moderation /classify (one text per call) and POST /api/v1/statuses with inline moderation "
                       "vs with the moderation service stopped (fallback: accepted as pending), sequential posts",
        "model": model, "requests": REQUESTS, "concurrency": CONCURRENCY,
        "classify": classify,
        "post_status": {"with_moderation": with_moderation, "without_moderation_service_stopped": without_moderation,
                        "added_p50_ms": round(with_moderation["p50_ms"] - without_moderation["p50_ms"], 2),
                        "added_p95_ms": round(with_moderation["p95_ms"] - without_moderation["p95_ms"], 2)},
        "moderation_states_after_inline_phase": states_inline, "moderation_states_after_run": states,
        "load_average_1m": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "target": "text classification p95 <= 25 ms on CPU",
    })
    print(f"/classify p95 {classify['one_caller']['p95_ms']} ms; POST p95 {with_moderation['p95_ms']} ms with "
          f"moderation vs {without_moderation['p95_ms']} ms without", file=sys.stderr)
