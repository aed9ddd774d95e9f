"""Each feed stage alone, on real rows in SQLite."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from agora.processes import free_port
from platform_api.db import create_schema, session_scope
from platform_api.feed import features as F
from platform_api.feed.config import home_feed_config
from platform_api.feed.heuristics.author_diversity import AuthorDiversityRescorer
from platform_api.feed.pipeline import HomeFeedPipeline
from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.popular_in_topics import PopularInTopicsSource
from platform_api.feed.sources.social_proof import SocialProofSource, liked_by_phrase
from platform_api.schemas import StatusCreate
from platform_api.services.favourite_status import FavouriteStatus
from platform_api.services.fan_out_on_write import FanOutOnWrite
from platform_api.services.follow_account import FollowAccount
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from serving.ranker.client import RankerClient


@pytest.fixture
def people(settings):
    create_schema(settings)
    with session_scope(settings) as session:
        register = RegisterAccount(session)
        made = {name: register(username=name, email=f"{name}@x.org", password="long enough pw")
                for name in ("viewer", "bo", "cy", "dee", "eve")}
    return made


def test_author_diversity_discounts_repeat_authors():
    frame = pd.DataFrame({F.STATUS_ID: [1, 2, 3, 4], F.AUTHOR_ID: [10, 10, 10, 20], F.SCORE: [0.9, 0.8, 0.7, 0.6]})
    out = AuthorDiversityRescorer(decay=0.5, floor=0.25).rescore(None, frame).sort_values(F.SCORE, ascending=False)
    assert out[F.STATUS_ID].tolist() == [1, 4, 2, 3]
    assert out[F.SCORE].round(4).tolist() == [0.9, 0.6, 0.5, 0.3062]


def test_liked_by_phrase():
    assert liked_by_phrase(["ana"], 1) == "liked by @ana"
    assert liked_by_phrase(["ana", "bo"], 2) == "liked by @ana and @bo"
    assert liked_by_phrase(["ana", "bo"], 5) == "liked by @ana, @bo and 3 others you follow"


def test_social_proof_and_popular_sources(settings, people):
    with session_scope(settings) as session:
        viewer, bo, cy, dee = (session.merge(people[n]) for n in ("viewer", "bo", "cy", "dee"))
        FollowAccount(session)(viewer, bo)
        post = PostStatus(session, settings)
        cy_post = post(cy, StatusCreate(status="Granite all day #climbing"))
        liked_topic = post(dee, StatusCreate(status="My first #climbing trip"))
        session.flush()
        FavouriteStatus(session)(bo, cy_post)
        FavouriteStatus(session)(viewer, liked_topic)
        query = FeedQuery(session, settings, viewer, time.time())
        social = SocialProofSource().fetch(query)
        assert social[F.STATUS_ID].tolist() == [cy_post.id]
        assert social[F.CONTEXT].tolist() == ["liked by @bo"]
        popular = PopularInTopicsSource().fetch(query)
        assert set(popular[F.STATUS_ID]) == {cy_post.id, liked_topic.id}
        assert set(popular[F.CONTEXT]) == {"popular in #climbing"}


def test_pipeline_falls_back_when_the_ranker_is_unreachable(settings, people):
    with session_scope(settings) as session:
        viewer, bo = session.merge(people["viewer"]), session.merge(people["bo"])
        FollowAccount(session)(viewer, bo)
        ids = []
        for i in range(3):
            status = PostStatus(session, settings)(bo, StatusCreate(status=f"post {i}"))
            session.flush()
            FanOutOnWrite(session, settings)(status.id)
            ids.append(status.id)
        dead = RankerClient(f"http://127.0.0.1:{free_port()}", timeout_s=0.2)
        ranked = HomeFeedPipeline(home_feed_config(dead)).run(FeedQuery(session, settings, viewer, time.time()))
    assert ranked.ranking == "fallback"
    assert ranked.status_ids == ids[::-1]
    assert all(ranked.extras[i]["why"] == ["you follow @bo"] for i in ids)


def test_feedback_fatigue_downranks_a_hidden_author(settings, people):
    from platform_api.feed.heuristics.feedback_fatigue import FeedbackFatigueRescorer
    from platform_api.services.hide_status import HideStatus

    with session_scope(settings) as session:
        viewer, bo, cy = (session.merge(people[n]) for n in ("viewer", "bo", "cy"))
        hidden = PostStatus(session, settings)(bo, StatusCreate(status="meh"))
        session.flush()
        HideStatus(session)(viewer, hidden)
        session.flush()
        frame = pd.DataFrame({F.STATUS_ID: [1, 2], F.AUTHOR_ID: [bo.id, cy.id], F.SCORE: [0.8, 0.5]})
        out = FeedbackFatigueRescorer(days=14, floor=0.2).rescore(FeedQuery(session, settings, viewer, time.time()),
                                                                  frame)
    assert out[F.SCORE].round(3).tolist() == [0.16, 0.5]


def test_warming_loads_the_busiest_tags_lists_before_any_request(settings, people):
    source = PopularInTopicsSource(ttl_seconds=60)
    with session_scope(settings) as session:
        viewer, cy, dee = (session.merge(people[n]) for n in ("viewer", "cy", "dee"))
        post = PostStatus(session, settings)
        climbing = [post(cy, StatusCreate(status=f"Crag {i} #climbing")) for i in range(2)]
        post(dee, StatusCreate(status="Tide pools #swimming"))
        session.flush()
        FavouriteStatus(session)(viewer, climbing[0])
    assert source.warm(settings).result(timeout=30) == 2          # both tags, busiest first
    with session_scope(settings) as session:                     # a post after the warm-up ...
        later = PostStatus(session, settings)(session.merge(people["dee"]), StatusCreate(status="Slab #climbing"))
        session.flush()
        later_id = later.id
    with session_scope(settings) as session:
        served = set(source.fetch(FeedQuery(session, settings, session.merge(people["viewer"]), time.time()))
                     [F.STATUS_ID])
    assert served == {c.id for c in climbing}                    # ... is not in the list the warm-up kept
    assert later_id not in served


def test_a_popular_topic_list_past_its_ttl_serves_at_once_and_reloads_in_the_background(settings, people):
    source = PopularInTopicsSource(ttl_seconds=0.05, max_stale_seconds=60)

    def popular_now() -> set[int]:
        with session_scope(settings) as session:
            return set(source.fetch(FeedQuery(session, settings, session.merge(people["viewer"]), time.time()))
                       [F.STATUS_ID])

    with session_scope(settings) as session:
        viewer, cy = session.merge(people["viewer"]), session.merge(people["cy"])
        first = PostStatus(session, settings)(cy, StatusCreate(status="Granite all day #climbing"))
        session.flush()
        FavouriteStatus(session)(viewer, first)
        first_id = first.id
    assert popular_now() == {first_id}
    with session_scope(settings) as session:
        later = PostStatus(session, settings)(session.merge(people["dee"]), StatusCreate(status="Slab day #climbing"))
        session.flush()
        later_id = later.id
    time.sleep(0.1)                                   # the kept list is past its TTL now
    assert popular_now() == {first_id}                # served as kept; a reload is under way
    deadline = time.time() + 10
    while (served := popular_now()) != {first_id, later_id}:   # the reloaded list, once it lands
        assert served == {first_id} and time.time() < deadline, served
        time.sleep(0.02)


def test_known_usernames_reads_each_account_once(settings, people):
    from sqlalchemy import event

    from platform_api.db import get_engine
    from platform_api.feed.usernames import KnownUsernames

    names = KnownUsernames()
    ids = {n: people[n].id for n in ("bo", "cy", "dee")}
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(get_engine(settings), "before_cursor_execute", listener)
    try:
        with session_scope(settings) as session:
            assert names(session, [ids["bo"], ids["cy"]]) == {ids["bo"]: "bo", ids["cy"]: "cy"}
            assert names(session, [ids["cy"], ids["bo"]]) == {ids["bo"]: "bo", ids["cy"]: "cy"}
            read_before = len(statements)
            assert names(session, [ids["dee"], ids["bo"], 999]) == {ids["dee"]: "dee", ids["bo"]: "bo"}
    finally:
        event.remove(get_engine(settings), "before_cursor_execute", listener)
    assert read_before == 1                 # the repeat asked the database nothing
    assert len(statements) == 2             # dee and the unknown id: one more query
