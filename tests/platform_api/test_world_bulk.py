"""The bulk world (``agora world generate --bulk``): the rows the services would write, each with its
outbox event, consistent counters and fan-out, and a home timeline the API serves."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from platform_api.db import session_scope
from platform_api.services.issue_token import IssueToken
from platform_api.tables import (
    Account, FeedbackSignal, Favourite, Follow, HomeFeedEntry, OutboxEvent, ServedImpression, Status, StatusTag,
    User,
)
from platform_api.world.bulk import BulkWorldConfig, GenerateBulkWorld


@pytest.fixture
def world(settings):
    summary = GenerateBulkWorld(settings, BulkWorldConfig(users=2000, seed=5))()
    return summary


def test_every_row_has_its_outbox_event(settings, world):
    with session_scope(settings) as session:
        events = Counter(dict(session.execute(select(OutboxEvent.event_type, func.count())
                                              .group_by(OutboxEvent.event_type)).all()))
        count = lambda table: session.scalar(select(func.count()).select_from(table))  # noqa: E731
        replies = session.scalar(select(func.count()).where(Status.in_reply_to_id.is_not(None)))
        assert count(Account) == count(User) == events["account.created"] == world.accounts == 2000
        assert count(Follow) == events["account.followed"] == world.follows
        assert count(Status) == events["status.created"] == world.statuses >= 2000 * 5
        assert events["status.replied"] == replies > 0
        assert count(Favourite) == events["status.favourited"] > 0
        assert count(ServedImpression) == events["status.impression"] > 0
        assert count(FeedbackSignal) == events["status.hidden"]
        assert events["status.clicked"] > 0 and count(StatusTag) >= count(Status) - replies
        assert sum(events.values()) == world.outbox_events


def test_counters_match_the_rows_and_the_graph_is_power_law(settings, world):
    with session_scope(settings) as session:
        following = dict(session.execute(select(Follow.account_id, func.count()).group_by(Follow.account_id)).all())
        followers = dict(session.execute(select(Follow.target_account_id, func.count())
                                         .group_by(Follow.target_account_id)).all())
        posts = dict(session.execute(select(Status.account_id, func.count()).group_by(Status.account_id)).all())
        likes = dict(session.execute(select(Favourite.status_id, func.count()).group_by(Favourite.status_id)).all())
        for account in session.scalars(select(Account)):
            assert account.following_count == following.get(account.id, 0)
            assert account.followers_count == followers.get(account.id, 0)
            assert account.statuses_count == posts.get(account.id, 0)
        for status_id, favourites in session.execute(select(Status.id, Status.favourites_count)):
            assert favourites == likes.get(status_id, 0)
    degrees = sorted(following.values())
    assert 100 <= degrees[-1] <= 500 and sum(d >= 100 for d in degrees) >= 2000 * 0.02 * 0.9  # active viewers
    assert degrees[len(degrees) // 2] < 20                                                  # most follow a few
    top = sorted(followers.values())[-20:]
    assert sum(top) > 0.1 * sum(followers.values())                                         # popular accounts


def test_fan_out_entries_are_the_followed_authors_posts(settings, world):
    with session_scope(settings) as session:
        viewer = session.scalars(select(Account).order_by(Account.following_count.desc())).first()
        followed = set(session.scalars(select(Follow.target_account_id).where(Follow.account_id == viewer.id)))
        authors = set(session.scalars(select(HomeFeedEntry.author_id).where(HomeFeedEntry.account_id == viewer.id)))
        assert authors and authors <= followed | {viewer.id}
        big = session.scalars(select(Account.id).where(Account.followers_count >= settings.fanout_threshold)).all()
        assert not (authors & set(big))


def test_the_api_serves_a_generated_viewers_home_timeline(settings, world, client):
    with session_scope(settings) as session:
        viewer = session.scalars(select(Account).order_by(Account.following_count.desc())).first()
        followed = set(session.scalars(select(Follow.target_account_id).where(Follow.account_id == viewer.id)))
        token, _ = IssueToken(session)(application=None, account=viewer, scopes="read")
    for order in ("chronological", "ranked"):
        response = client.get("/api/v1/timelines/home", params={"order": order, "limit": 20},
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page) == 20
        if order == "chronological":
            assert {int(s["account"]["id"]) for s in page} <= followed | {viewer.id}
            assert [int(s["id"]) for s in page] == sorted((int(s["id"]) for s in page), reverse=True)
    assert (settings.home / "world" / "users.parquet").exists()
