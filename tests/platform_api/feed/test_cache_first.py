"""Cache-first home feed on real SQLite rows: a fresh list is served as is, a stale one is served
and recomputed in the background (single-flight, bounded), and what a cached list shows is
re-checked at serve time, so deletes and blocks never hide behind the cache.

The pipeline is the real one with the chronological scorer in the model's place (the ranker
service is not what is under test here): its rankings count as ``model`` and get cached."""

from __future__ import annotations

import threading

import pytest
from prometheus_client import REGISTRY

from platform_api.db import create_schema, session_scope
from platform_api.feed.config import FeedConfig
from platform_api.feed.explain import ReasonWriter
from platform_api.feed.filters.duplicates import DuplicateFilter
from platform_api.feed.filters.visibility import VisibilityFilter
from platform_api.feed.home import RankedHomeTimeline
from platform_api.feed.page_cache import RankedPageCache
from platform_api.feed.pipeline import HomeFeedPipeline
from platform_api.feed.refresher import FeedRefresher
from platform_api.feed.scorers.chronological import ChronologicalScorer
from platform_api.feed.selectors.top_scored import TopScoredSelector
from platform_api.feed.sources.in_network import InNetworkSource
from platform_api.schemas import StatusCreate
from platform_api.services.block_account import BlockAccount
from platform_api.services.delete_status import DeleteStatus
from platform_api.services.fan_out_on_write import FanOutOnWrite
from platform_api.services.follow_account import FollowAccount
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, Status


def _cache_count(result: str) -> float:
    return REGISTRY.get_sample_value("agora_feed_cache_total", {"result": result}) or 0.0


@pytest.fixture
def pipeline():
    return HomeFeedPipeline(FeedConfig(sources=[InNetworkSource()], filters=[DuplicateFilter(), VisibilityFilter()],
                                       scorer=ChronologicalScorer(), fallback_scorer=ChronologicalScorer(),
                                       selector=TopScoredSelector(), explainer=ReasonWriter()))


@pytest.fixture
def world(settings):
    create_schema(settings)
    with session_scope(settings) as session:
        register = RegisterAccount(session)
        viewer, bo, cy = (register(username=n, email=f"{n}@x.org", password="long enough pw", password_hash="unused")
                          for n in ("viewer", "bo", "cy"))
        FollowAccount(session, settings)(viewer, bo)
        FollowAccount(session, settings)(viewer, cy)
    for author in ("bo", "cy", "bo"):
        _post(settings, author)
    return settings


def _post(settings, username: str) -> int:
    with session_scope(settings) as session:
        author = session.query(Account).filter_by(username=username).one()
        status = PostStatus(session, settings)(author, StatusCreate(status=f"a post by {username}"))
        session.flush()
        FanOutOnWrite(session, settings)(status.id)
        return status.id


def _page(settings, pipeline, cache, refresher=None, **paging):
    with session_scope(settings) as session:
        viewer = session.query(Account).filter_by(username="viewer").one()
        page, _, ranking = RankedHomeTimeline(session, settings, pipeline, cache, refresher=refresher)(
            viewer, limit=20, **paging)
        return [s.id for s in page], ranking


def test_a_stale_list_is_served_then_refreshed_in_the_background(world, pipeline):
    cache = RankedPageCache(ttl_seconds=600, refresh_seconds=0)     # every stored list is at once due a refresh
    refresher = FeedRefresher(world, pipeline, cache)
    first, ranking = _page(world, pipeline, cache, refresher)
    assert ranking == "model" and len(first) == 3
    newest = _post(world, "cy")
    stale_before = _cache_count("stale")
    served, _ = _page(world, pipeline, cache, refresher)
    assert served == first                                          # the stale list answered at once…
    assert _cache_count("stale") == stale_before + 1
    assert refresher.wait_idle(30)
    refreshed, _ = _page(world, pipeline, cache, refresher)
    assert refreshed == [newest, *first]                            # …and the next request has the new post


def test_a_fresh_list_is_served_without_ranking_again(world, pipeline):
    cache = RankedPageCache(ttl_seconds=600, refresh_seconds=600)
    refresher = FeedRefresher(world, pipeline, cache)
    first, _ = _page(world, pipeline, cache, refresher)
    _post(world, "cy")
    hits = _cache_count("hit")
    again, _ = _page(world, pipeline, cache, refresher)
    assert again == first and _cache_count("hit") == hits + 1
    assert refresher.wait_idle(1)                                   # nothing was queued


def test_deletes_and_blocks_apply_to_a_cached_list_at_once(world, pipeline):
    cache = RankedPageCache(ttl_seconds=600, refresh_seconds=600)
    first, _ = _page(world, pipeline, cache)
    with session_scope(world) as session:
        viewer = session.query(Account).filter_by(username="viewer").one()
        bo, cy = (session.query(Account).filter_by(username=n).one() for n in ("bo", "cy"))
        cy_post = session.query(Status).filter_by(account_id=cy.id).one()
        DeleteStatus(session, world)(cy, cy_post)
        BlockAccount(session, world)(viewer, bo)
        viewer_id = viewer.id
    assert cache.lists(viewer_id)[0].status_ids == first            # the cached list itself is unchanged…
    served, _ = _page(world, pipeline, cache)
    assert served == [] and len(first) == 3                         # …but nothing deleted or blocked is shown


def test_paging_continues_in_the_list_a_refresh_replaced(world, pipeline):
    cache = RankedPageCache(ttl_seconds=600, refresh_seconds=0)
    refresher = FeedRefresher(world, pipeline, cache)
    with session_scope(world) as session:
        viewer_id = session.query(Account).filter_by(username="viewer").one().id
    first, _ = _page(world, pipeline, cache, refresher)
    _post(world, "bo")
    _page(world, pipeline, cache, refresher)                        # stale: a refresh replaces the list
    assert refresher.wait_idle(30)
    assert len(cache.lists(viewer_id)) == 2
    rest, ranking = _page(world, pipeline, cache, refresher, max_id=first[0])
    assert rest == first[1:] and ranking == "model"


def test_refreshes_are_single_flight_and_bounded(world, pipeline):
    cache = RankedPageCache(ttl_seconds=600, refresh_seconds=0)
    refresher = FeedRefresher(world, pipeline, cache, workers=1, max_pending=2)
    gate = threading.Event()
    refresher._pool.submit(gate.wait)                               # hold the one worker
    try:
        assert refresher.request(1) is True
        assert refresher.request(1) is False                        # already queued: coalesced
        assert refresher.request(2) is True
        assert refresher.request(3) is False                        # queue full: dropped
    finally:
        gate.set()
    assert refresher.wait_idle(30)
    assert refresher.request(1) is True                             # done, so it may run again
    assert refresher.wait_idle(30)


def test_the_cache_keeps_the_most_recent_viewers():
    cache = RankedPageCache(ttl_seconds=600, max_viewers=2)
    for viewer in (1, 2, 3):
        cache.put(viewer, f"list {viewer}")
    assert cache.get(1) is None and cache.get(2) == "list 2" and cache.get(3) == "list 3"


def test_posting_drops_the_authors_cached_list_so_their_post_shows_next(world, pipeline):
    from fastapi.testclient import TestClient

    from platform_api.main import create_app
    from platform_api.services.issue_token import IssueToken

    with session_scope(world) as session:
        viewer = session.query(Account).filter_by(username="viewer").one()
        token, _ = IssueToken(session)(application=None, account=viewer, scopes="read write")
        viewer_id = viewer.id
    app = create_app(world.model_copy(update={"feed_cache_seconds": 180}))
    with TestClient(app) as client:
        app.state.feed_cache.put(viewer_id, _ranked(world, pipeline, viewer_id))  # as a model ranking leaves it
        assert app.state.feed_cache.lookup(viewer_id) is not None
        posted = client.post("/api/v1/statuses", data={"status": "my own news"},
                             headers={"Authorization": f"Bearer {token}"})
        assert posted.status_code == 200
        assert app.state.feed_cache.lookup(viewer_id) is None


def _ranked(settings, pipeline, viewer_id):
    import time

    from platform_api.feed.query import FeedQuery

    with session_scope(settings) as session:
        return pipeline.run(FeedQuery(session, settings, session.get(Account, viewer_id), time.time()))


def test_each_page_says_where_its_list_came_from(world, pipeline):
    cache = RankedPageCache(ttl_seconds=600, refresh_seconds=600)

    def source(**paging) -> tuple[list[int], str]:
        with session_scope(world) as session:
            viewer = session.query(Account).filter_by(username="viewer").one()
            timeline = RankedHomeTimeline(session, world, pipeline, cache)
            page, _, _ = timeline(viewer, limit=2, **paging)
            return [s.id for s in page], timeline.list_source

    first, ranked = source()
    assert ranked == "ranked"                                       # no list yet: the pipeline ran
    assert source() == (first, "cached")
    assert source(max_id=first[-1])[1] == "cached"                  # a later page of that list
    assert source(max_id=first[-1] + 10**9)[1] == "chronological"   # an id in no kept list
    assert source(since_id=first[-1])[1] == "chronological"
