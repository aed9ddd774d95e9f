"""``AGORA_API_WORKERS``: several API processes behind one port (uvicorn workers), sharing their
caches through the real Redis (127.0.0.1:6379, a throwaway key prefix), with one ``/metrics``
that sums every worker's samples (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import httpx
import psutil
import pytest
import redis

from agora.processes import free_port
from api_people import sign_up
from conftest import REPO_ROOT, api_process

REDIS_URL = "redis://127.0.0.1:6379/0"


def _env(**extra) -> dict:
    env = {**os.environ, "AGORA_API_PORT": str(free_port()), "AGORA_SERVING_PORT": str(free_port()),
           "AGORA_MODERATION_PORT": str(free_port()), "AGORA_RETRIEVAL_PORT": str(free_port()),
           "AGORA_RATE_LIMIT_REQUESTS": "100000", **extra}
    return env


def test_several_workers_without_redis_are_refused_with_a_reason(agora_home):
    done = subprocess.run([sys.executable, "-m", "agora.cli", "serve", "api"], cwd=REPO_ROOT,
                          env=_env(AGORA_API_WORKERS="2"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "AGORA_API_WORKERS=2 needs AGORA_REDIS_URL" in done.stderr


def test_one_process_serves_its_own_metrics_even_once_feast_set_the_multiprocess_dir(agora_home):
    from fastapi.testclient import TestClient

    from agora.settings import get_settings
    from platform_api.main import create_app

    import feast.metrics  # noqa: F401 - importing it sets PROMETHEUS_MULTIPROC_DIR in this process
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    with TestClient(create_app(get_settings())) as client:
        assert client.get("/api/v1/trends/tags").status_code == 200
        assert "agora_trends_requests_total{" in client.get("/metrics").text


def _is_worker(process: psutil.Process) -> bool:
    """A live uvicorn worker (spawned by multiprocessing); a child that has just exited, a zombie
    until its parent reaps it, is none."""
    try:
        return "spawn_main" in " ".join(process.cmdline())
    except (psutil.ZombieProcess, psutil.NoSuchProcess):
        return False


def _live_workers(pid: int, *, expected: int, timeout: float = 30) -> list[psutil.Process]:
    """The server's live workers, once ``expected`` are up: the first one to start answers the
    readiness check while the others may still be starting."""
    deadline = time.monotonic() + timeout
    while True:
        workers = [p for p in psutil.Process(pid).children(recursive=True) if _is_worker(p)]
        if len(workers) >= expected or time.monotonic() > deadline:
            return workers
        time.sleep(0.2)


def test_two_workers_serve_one_port_and_metrics_count_both(agora_home):
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"agora-test-{uuid.uuid4().hex[:8]}:"
    env = _env(AGORA_API_WORKERS="2", AGORA_REDIS_URL=REDIS_URL, AGORA_REDIS_KEY_PREFIX=prefix)
    base = f"http://127.0.0.1:{env['AGORA_API_PORT']}"
    try:
        with api_process(agora_home, env, timeout=90) as server:
            workers = _live_workers(server.pid, expected=2)
            with httpx.Client(base_url=base, timeout=30) as http:
                _, headers = sign_up(http, "ana")
                posted = http.post("/api/v1/statuses", headers=headers, data={"status": "hello from a worker"})
                assert posted.status_code == 200, posted.text
            rankings = 30   # no ranker runs: every request ranks (a fallback, never cached)
            for _ in range(rankings):   # a new connection each: any worker may take it
                page = httpx.get(f"{base}/api/v1/timelines/home", headers=headers, params={"order": "ranked"},
                                 timeout=30)
                assert page.status_code == 200 and [s["id"] for s in page.json()] == [posted.json()["id"]]
            metrics = httpx.get(f"{base}/metrics", timeout=30).text
    finally:
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
    assert len(workers) == 2
    counted = [float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith('agora_feed_requests_total{ranking="fallback"}')]
    assert counted == [rankings]    # one series: both workers' samples, summed
