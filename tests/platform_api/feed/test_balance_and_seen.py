"""The already-seen filter, the in/out-of-network balance and the embeddings source's
failure path, each alone on real rows in SQLite."""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from agora.events import EventType
from agora.processes import free_port
from platform_api.db import create_schema, session_scope
from platform_api.feed import features as F
from platform_api.feed.filters.previously_seen import PreviouslySeenFilter
from platform_api.feed.heuristics.network_balance import NetworkBalanceRescorer, balanced_order
from platform_api.feed.metrics import FEED_SOURCE_FAILURES
from platform_api.feed.pipeline import RankedFeed, record_ranking
from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.embedding_neighbours import EmbeddingNeighboursSource
from platform_api.ids import utcnow
from platform_api.services.follow_account import FollowAccount
from platform_api.services.record_engagements import Engagement, RecordEngagements
from platform_api.services.register_account import RegisterAccount
from serving.retrieval.client import RetrievalClient


@pytest.fixture
def people(settings):
    create_schema(settings)
    with session_scope(settings) as session:
        register = RegisterAccount(session)
        return {name: register(username=name, email=f"{name}@x.org", password="long enough pw")
                for name in ("viewer", "bo", "cy")}


def test_previously_seen_drops_what_was_served_in_the_window_only(settings, people):
    now = utcnow()
    with session_scope(settings) as session:
        viewer, bo = session.merge(people["viewer"]), session.merge(people["bo"])
        RecordEngagements(session)([Engagement(viewer.id, 1, bo.id, now - timedelta(hours=1), EventType.IMPRESSION),
                                    Engagement(viewer.id, 2, bo.id, now - timedelta(hours=50), EventType.IMPRESSION),
                                    Engagement(bo.id, 3, bo.id, now, EventType.IMPRESSION)])  # someone else's
        session.flush()
        candidates = pd.DataFrame({F.STATUS_ID: [1, 2, 3, 4], F.AUTHOR_ID: [bo.id] * 4})
        query = FeedQuery(session, settings, viewer, time.time())
        result = PreviouslySeenFilter(hours=48, min_unseen=3).apply(query, candidates)
        scarce = PreviouslySeenFilter(hours=48, min_unseen=4).apply(query, candidates)
    assert result.kept[F.STATUS_ID].tolist() == [2, 3, 4]
    assert result.removed[F.STATUS_ID].tolist() == [1]
    # Fewer unseen candidates than the floor: nothing is dropped, the feed never runs dry.
    assert scarce.kept[F.STATUS_ID].tolist() == [1, 2, 3, 4] and scarce.removed.empty


def test_balanced_order_caps_every_prefix_while_in_network_items_last():
    rng = np.random.default_rng(0)
    score = rng.random(300)
    in_network = rng.permutation(300) < 60      # 60 in-network, 240 out-of-network
    slots = balanced_order(score, in_network, max_share=0.5)
    assert sorted(slots) == list(range(300))    # a permutation
    ordered = in_network[np.argsort(slots)]
    out_share = np.cumsum(~ordered) / np.arange(1, 301)
    assert (out_share[:120] <= 0.5 + 1e-9).all()  # 60 in-network items balance the first 120 slots
    assert ordered[120:].sum() == 0
    for flag in (True, False):                  # within each group the score order is kept
        group = np.argsort(slots)[ordered == flag]
        assert (np.diff(score[group]) <= 0).all()


def test_balance_leaves_an_already_balanced_order_alone():
    score = np.array([0.9, 0.8, 0.7, 0.6])
    assert balanced_order(score, np.array([True, False, True, False]), 0.5).tolist() == [0, 1, 2, 3]
    assert balanced_order(score, np.array([False, False, False, False]), 0.5).tolist() == [0, 1, 2, 3]


def test_network_balance_rescorer_uses_follows_and_keeps_scores_sorted(settings, people):
    with session_scope(settings) as session:
        viewer, bo, cy = (session.merge(people[n]) for n in ("viewer", "bo", "cy"))
        FollowAccount(session)(viewer, bo)
        session.flush()
        candidates = pd.DataFrame({F.STATUS_ID: [1, 2, 3, 4], F.AUTHOR_ID: [cy.id, cy.id, bo.id, bo.id],
                                   F.SCORE: [0.9, 0.8, 0.7, 0.6]})
        out = NetworkBalanceRescorer(max_share=0.5).rescore(FeedQuery(session, settings, viewer, time.time()),
                                                            candidates)
    assert out[F.STATUS_ID].tolist() == [3, 1, 4, 2]
    assert out[F.IN_NETWORK].tolist() == [True, False, True, False]
    assert (np.diff(out[F.SCORE].to_numpy()) < 0).all()
    assert out[F.SCORE].round(6).tolist() == [0.7, 0.7, 0.6, 0.6]


def test_embedding_source_returns_nothing_and_counts_it_when_the_service_is_down(settings, people):
    before = FEED_SOURCE_FAILURES.labels(source="embedding_neighbours")._value.get()
    dead = RetrievalClient(f"http://127.0.0.1:{free_port()}", timeout_s=0.2)
    with session_scope(settings) as session:
        viewer = session.merge(people["viewer"])
        query = FeedQuery(session, settings, viewer, time.time())
        frame = EmbeddingNeighboursSource(dead).fetch(query)
    assert frame.empty and list(frame.columns) == list(F.CANDIDATE_COLUMNS)
    assert query.failed_sources == ["embedding_neighbours"]       # the ranking carries it to the API's metrics
    record_ranking(RankedFeed([], {}, "model", "ranker/1", 0, failed_sources=query.failed_sources))
    assert FEED_SOURCE_FAILURES.labels(source="embedding_neighbours")._value.get() == before + 1
