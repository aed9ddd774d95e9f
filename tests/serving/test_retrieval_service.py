"""The BentoML retrieval service as operators start it (a real ``bentoml serve`` subprocess),
called with the client the feed uses; then the whole home-feed pipeline with the embeddings
source on: an active viewer's feed scores ≥ 1,000 candidates from ≥ 3 sources."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import faiss
import pytest
from sqlalchemy import select

import retrieval_chain
from agora.processes import free_port
from agora.settings import REPO_ROOT
from models.retrieval.index import PostIndex
from serving.ranker.client import RankerClient
from serving.retrieval.client import RetrievalClient
from conftest import wait_for

BENTOML = str(Path(sys.executable).with_name("bentoml"))
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return retrieval_chain.retrieval_chain(tmp_path_factory)


@pytest.fixture(scope="module")
def service(chain):
    port = free_port()
    home = chain.settings.home
    env = {**os.environ, "AGORA_HOME": str(home), "AGORA_RETRIEVAL_K": "1000", "HF_HUB_OFFLINE": "1",
           "BENTOML_HOME": str(home / "bentoml"), "BENTOML_DO_NOT_TRACK": "true"}
    log = open(home / "retrieval-service.log", "wb")
    process = subprocess.Popen([BENTOML, "serve", "serving.retrieval.service:RetrievalService", "--port", str(port)],
                               cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", 240, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def demo(chain):
    from platform_api.db import session_scope
    from platform_api.tables import Account

    with session_scope(chain.settings) as session:
        return session.scalars(select(Account.id).where(Account.username == "demo")).one()


def test_neighbours_are_indexed_posts_best_first(service, chain, demo):
    index = PostIndex.load(chain.settings.index_dir)
    indexed = set(faiss.vector_to_array(index.index.id_map).tolist())
    with RetrievalClient(service, timeout_s=30) as client:
        ids, scores, model = client.neighbours(demo)
        unknown_viewer, _, _ = client.neighbours(987_654_321)        # no history: still answers
    assert model == f"retrieval/{chain.train_result.version}"
    assert len(ids) == 1000 and len(set(ids)) == 1000 and set(ids) <= indexed
    assert scores == sorted(scores, reverse=True)
    assert len(unknown_viewer) == 1000


def test_concurrent_requests_are_batched_and_answered_separately(service, demo):
    from concurrent.futures import ThreadPoolExecutor

    def top(viewer: int) -> list[int]:
        with RetrievalClient(service, timeout_s=30) as client:
            return client.neighbours(viewer)[0][:20]

    viewers = [demo] + list(range(demo + 1, demo + 8))
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(top, viewers))
    with RetrievalClient(service, timeout_s=30) as client:
        assert answers[0] == client.neighbours(demo)[0][:20]


def test_active_viewer_feed_scores_a_thousand_candidates_from_three_sources(service, chain, demo):
    from platform_api.db import session_scope
    from platform_api.feed.config import home_feed_config
    from platform_api.feed.pipeline import HomeFeedPipeline
    from platform_api.feed.query import FeedQuery
    from platform_api.feed.sources.embedding_neighbours import REASON
    from platform_api.repositories import relationships
    from platform_api.tables import Account

    dead_ranker = RankerClient(f"http://127.0.0.1:{free_port()}", timeout_s=0.5)  # scoring falls back
    config = home_feed_config(dead_ranker, RetrievalClient(service, timeout_s=30))
    with session_scope(chain.settings) as session:
        viewer = session.get(Account, demo)
        query = FeedQuery(session, chain.settings, viewer, time.time())
        found = {source.name: source.fetch(query) for source in config.sources}
        ranked = HomeFeedPipeline(config).run(query)
        followees = set(relationships.followee_ids(session, account_id=demo))
    neighbours = found["embedding_neighbours"]
    assert 0 < len(neighbours) <= 500
    assert not set(neighbours["author_id"]) & (followees | {demo})         # out-of-network only
    assert set(neighbours["context"]) == {REASON}
    assert ranked.candidates >= 1000, {name: len(f) for name, f in found.items()}
    assert sum(len(f) > 0 for f in found.values()) >= 3
    served_sources = Counter(extra["source"] for extra in ranked.extras.values())
    assert len(served_sources) >= 3 and served_sources["embedding_neighbours"] > 0
    assert any(extra["why"] == [REASON] for extra in ranked.extras.values())


def test_a_post_enters_the_index_as_it_is_created(service, chain, demo):
    """Through the API as a client posts: the public post is embedded and searchable in the
    running service at once (no `agora index update`); a followers-only one is not indexed,
    sending the same post again adds nothing, and a reload of the index on disk (which does not
    have it yet) keeps it. Last in this module: it grows the shared index."""
    import httpx
    from fastapi.testclient import TestClient

    from platform_api.db import session_scope
    from platform_api.main import create_app
    from platform_api.services.issue_token import IssueToken
    from platform_api.tables import Account, Status
    from platform_api.workers import RETRIEVAL_INDEX_ADDS

    def indexed_posts() -> int:
        return httpx.post(f"{service}/info", json={}, timeout=30).json()["posts"]

    def adds(result: str) -> float:
        return RETRIEVAL_INDEX_ADDS.labels(result)._value.get()

    with session_scope(chain.settings) as session:
        token, _ = IssueToken(session)(application=None, account=session.get(Account, demo), scopes="read write")
    settings = chain.settings.model_copy(update={"retrieval_port": int(service.rsplit(":", 1)[1])})
    before, added_before = indexed_posts(), adds("added")
    with TestClient(create_app(settings)) as client:
        auth = {"Authorization": f"Bearer {token}"}
        public = client.post("/api/v1/statuses", headers=auth,
                             json={"status": "Sourdough starter tips for a cold kitchen #baking"})
        private = client.post("/api/v1/statuses", headers=auth,
                              json={"status": "Only for my followers", "visibility": "private"})
    assert public.status_code == private.status_code == 200
    assert indexed_posts() == before + 1 and adds("added") == added_before + 1
    with session_scope(chain.settings) as session:
        post = session.get(Status, int(public.json()["id"]))
        again = {"status_id": post.id, "author_id": post.account_id, "text": post.text, "tags": ["baking"]}
    with RetrievalClient(service, timeout_s=30) as retrieval:
        assert retrieval.add([again]) == [False]
    assert indexed_posts() == before + 1
    assert httpx.post(f"{service}/reload", json={}, timeout=120).json()["posts"] == before + 1
