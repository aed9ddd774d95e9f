"""Feed rankings in ranking processes (``feed_ranking_processes``): real spawned processes on the
test's own SQLite world. The ranker service is not running, so every ranking is the fallback
(chronological) order, the same from a ranking process as from the API's own thread."""

from __future__ import annotations

import os
import signal

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from agora.processes import free_port
from agora.settings import get_settings, reset_settings_cache
from platform_api.db import session_scope
from platform_api.feed.page_cache import RankedPageCache
from platform_api.feed.ranking_pool import RankFeed, RankingPool, _ready, api_feed_pipeline
from platform_api.feed.refresher import FeedRefresher
from platform_api.main import create_app
from platform_api.tables import Account
from serving.ranker.client import RankerClient
from serving.retrieval.client import RetrievalClient
from tests.platform_api.test_foundation_slice import register


def _sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def pooled_settings(agora_home, monkeypatch):
    """Settings with one ranking process, and model services on ports nothing listens on."""
    monkeypatch.setenv("AGORA_FEED_RANKING_PROCESSES", "1")
    monkeypatch.setenv("AGORA_SERVING_PORT", str(free_port()))
    monkeypatch.setenv("AGORA_RETRIEVAL_PORT", str(free_port()))
    reset_settings_cache()
    return get_settings()


@pytest.fixture
def ana_follows_a_post(pooled_settings, client) -> tuple[int, object]:
    """ana follows bo, who posted once: (that post's id, the API's pipeline for the ranking done here)."""
    ana, bo = register(client, "ana"), register(client, "bo")
    bo_id = client.get("/api/v1/accounts/verify_credentials", headers=bo).json()["id"]
    client.post(f"/api/v1/accounts/{bo_id}/follow", headers=ana)
    posted = int(client.post("/api/v1/statuses", headers=bo, data={"status": "hello"}).json()["id"])
    return posted, api_feed_pipeline(pooled_settings, RankerClient(pooled_settings.serving_url),
                                     RetrievalClient(pooled_settings.retrieval_url))


def test_the_api_ranks_in_its_ranking_process_and_records_the_metrics_itself(pooled_settings):
    with TestClient(create_app(pooled_settings), base_url="http://127.0.0.1:8000") as client:
        assert client.app.state.ranking_pool is not None
        ana, bo = register(client, "ana"), register(client, "bo")
        bo_id = client.get("/api/v1/accounts/verify_credentials", headers=bo).json()["id"]
        client.post(f"/api/v1/accounts/{bo_id}/follow", headers=ana)
        posted = [client.post("/api/v1/statuses", headers=bo, data={"status": f"post {i}"}).json()["id"]
                  for i in range(3)]
        fallbacks, pool_failures = (_sample("agora_feed_requests_total", ranking="fallback"),
                                    _sample("agora_feed_ranking_pool_failures_total"))
        ranked = client.get("/api/v1/timelines/home", headers=ana)
        assert ranked.status_code == 200 and ranked.headers["X-Agora-Ranking"] == "fallback"
        assert [s["id"] for s in ranked.json()] == posted[::-1]
        # Ranked in the other process, counted in this one (where /metrics reads):
        assert _sample("agora_feed_requests_total", ranking="fallback") == fallbacks + 1
        assert _sample("agora_feed_ranking_pool_failures_total") == pool_failures
        assert 'agora_feed_requests_total{ranking="fallback"}' in client.get("/metrics").text


def test_a_killed_ranking_process_costs_one_ranking_here_and_the_pool_is_replaced(pooled_settings, ana_follows_a_post):
    posted, pipeline = ana_follows_a_post
    pool = RankingPool(pooled_settings, 1)
    pool.start()
    try:
        os.kill(pool._executors["foreground"].submit(_ready).result(timeout=60), signal.SIGKILL)
        rank = RankFeed(pooled_settings, pipeline, pool)
        failures = _sample("agora_feed_ranking_pool_failures_total")
        with session_scope(pooled_settings) as session:
            viewer = session.query(Account).filter_by(username="ana").one()
            assert rank(session, viewer).status_ids == [posted]          # ranked here instead
            assert _sample("agora_feed_ranking_pool_failures_total") == failures + 1
            assert rank(session, viewer).status_ids == [posted]          # by a new ranking process
        assert _sample("agora_feed_ranking_pool_failures_total") == failures + 1
    finally:
        pool.close()


def test_refreshes_rank_in_their_own_lower_priority_process(pooled_settings, ana_follows_a_post):
    posted, pipeline = ana_follows_a_post
    pool = RankingPool(pooled_settings, 1)
    pool.start()
    try:
        pids = {lane: pool._executors[lane].submit(_ready).result(timeout=60) for lane in pool.LANES}
        own = os.getpriority(os.PRIO_PROCESS, 0)
        assert {lane: os.getpriority(os.PRIO_PROCESS, pid) - own for lane, pid in pids.items()} == {
            "foreground": 0, "background": pooled_settings.feed_refresh_nice}
        os.kill(pids["foreground"], signal.SIGKILL)          # misses' process gone: a refresh does not notice
        refresher = FeedRefresher(pooled_settings, pipeline, RankedPageCache(ttl_seconds=60), pool=pool)
        failures, refreshed = (_sample("agora_feed_ranking_pool_failures_total"),
                               _sample("agora_feed_refreshes_total", result="fallback"))
        with session_scope(pooled_settings) as session:
            viewer = session.query(Account).filter_by(username="ana").one()
            assert refresher.request(viewer.id) and refresher.wait_idle(60)
            assert _sample("agora_feed_refreshes_total", result="fallback") == refreshed + 1
            assert _sample("agora_feed_ranking_pool_failures_total") == failures   # ranked in the background lane
            assert RankFeed(pooled_settings, pipeline, pool)(session, viewer).status_ids == [posted]
        assert _sample("agora_feed_ranking_pool_failures_total") == failures + 1   # the miss found its process gone
    finally:
        pool.close()


def test_without_its_processes_a_pool_ranks_nothing_and_the_api_thread_does(pooled_settings, ana_follows_a_post):
    """A pool that did not start (or was closed) fails at once, without spawning: the ranking runs here."""
    posted, pipeline = ana_follows_a_post
    failures = _sample("agora_feed_ranking_pool_failures_total")
    with session_scope(pooled_settings) as session:
        viewer = session.query(Account).filter_by(username="ana").one()
        unstarted = RankingPool(pooled_settings, 1)
        assert RankFeed(pooled_settings, pipeline, unstarted)(session, viewer).status_ids == [posted]
    assert _sample("agora_feed_ranking_pool_failures_total") == failures + 1


def test_a_ranking_process_ends_when_its_api_process_is_killed(pooled_settings, tmp_path):
    import subprocess
    import sys
    import time

    import psutil

    pid_file = tmp_path / "ranking-process.pid"
    parent = subprocess.Popen([sys.executable, "-c", (
        "import pathlib, sys, time\n"
        "from agora.settings import get_settings\n"
        "from platform_api.feed.ranking_pool import RankingPool, _ready\n"
        "pool = RankingPool(get_settings(), 1)\npool.start()\n"
        "pathlib.Path(sys.argv[1]).write_text(str(pool._executors['foreground'].submit(_ready).result()))\n"
        "time.sleep(120)\n"), str(pid_file)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not pid_file.exists() and parent.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        ranking_process = psutil.Process(int(pid_file.read_text()))
        assert ranking_process.ppid() == parent.pid
    finally:
        parent.kill()                      # no shutdown, no pool.close()
        parent.wait(10)

    def gone() -> bool:
        return not ranking_process.is_running() or ranking_process.status() == psutil.STATUS_ZOMBIE

    deadline = time.time() + 15
    while not gone() and time.time() < deadline:
        time.sleep(0.2)
    assert gone()
