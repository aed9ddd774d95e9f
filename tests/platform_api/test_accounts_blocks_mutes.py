"""Block and mute services on SQLite, PostgreSQL and MariaDB: what a block severs and purges,
what a mute hides and for how long, and the outbox events of each."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from platform_api.db import create_schema, session_scope
from platform_api.ids import utcnow
from platform_api.repositories import account_pairs, home_feed, notifications, relationships
from platform_api.schemas import StatusCreate
from platform_api.services.block_account import BlockAccount, UnblockAccount
from platform_api.services.fan_out_on_write import FanOutOnWrite
from platform_api.services.follow_account import FollowAccount
from platform_api.services.mute_account import MuteAccount, UnmuteAccount
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, Follow, FollowRequest, Mute, OutboxEvent
from platform_api.visibility import VisibleStatuses


def make(session, name: str, **kwargs) -> Account:
    return RegisterAccount(session)(username=name, email=f"{name}@example.org", password="not-checked",
                                    password_hash="unused", **kwargs)


def events(session, *types: str) -> list[OutboxEvent]:
    return list(session.scalars(select(OutboxEvent).where(OutboxEvent.event_type.in_(types))
                                .order_by(OutboxEvent.id)))


def test_block_severs_follows_both_ways_and_purges_both_home_feeds(database_url, settings):
    create_schema(settings)
    with session_scope(settings) as s:
        ann, ben, cat = make(s, "ann"), make(s, "ben"), make(s, "cat", locked=True)
        FollowAccount(s)(ann, ben)
        FollowAccount(s)(ben, ann)
        FollowAccount(s)(ben, cat)  # a pending request to a third account stays
        by_ann = PostStatus(s, settings)(ann, StatusCreate(status="from ann"))
        by_ben = PostStatus(s, settings)(ben, StatusCreate(status="from ben"))
        ids = ann.id, ben.id, cat.id, by_ann.id, by_ben.id
    ann_id, ben_id, cat_id, ann_post, ben_post = ids
    with session_scope(settings) as s:
        FanOutOnWrite(s, settings)(ann_post)
        FanOutOnWrite(s, settings)(ben_post)
    with session_scope(settings) as s:
        assert set(home_feed.status_ids(s, account_id=ben_id)) == {ann_post, ben_post}
        BlockAccount(s, settings)(s.get(Account, ann_id), s.get(Account, ben_id))

    with session_scope(settings) as s:
        ann, ben = s.get(Account, ann_id), s.get(Account, ben_id)
        assert s.scalars(select(Follow).where(Follow.account_id.in_([ann_id, ben_id]))).all() == []
        assert (ann.followers_count, ann.following_count, ben.followers_count, ben.following_count) == (0, 0, 0, 0)
        assert account_pairs.find(s, FollowRequest, account_id=ben_id, target_account_id=cat_id) is not None
        assert home_feed.status_ids(s, account_id=ann_id) == [ann_post]
        assert home_feed.status_ids(s, account_id=ben_id) == [ben_post]
        assert VisibleStatuses(s, ben)([s.get(type(by_ann), ann_post)]) == []
        [blocked] = events(s, "account.blocked")
        assert (blocked.actor_id, blocked.target_account_id) == (ann_id, ben_id)
        assert json.loads(blocked.payload) == {"severed": ["following", "followed_by"]}
        assert {(e.actor_id, e.target_account_id) for e in events(s, "account.unfollowed")} == {
            (ann_id, ben_id), (ben_id, ann_id)}
        BlockAccount(s, settings)(ann, ben)  # idempotent: no second event
        with pytest.raises(Exception, match="yourself"):
            BlockAccount(s, settings)(ann, ann)

    with session_scope(settings) as s:
        assert len(events(s, "account.blocked")) == 1
        UnblockAccount(s)(s.get(Account, ann_id), s.get(Account, ben_id))
        UnblockAccount(s)(s.get(Account, ann_id), s.get(Account, ben_id))
    with session_scope(settings) as s:
        assert len(events(s, "account.unblocked")) == 1
        assert relationships.hidden_account_ids(s, viewer_id=ben_id) == set()


def test_mute_hides_posts_while_it_lasts_and_notifications_only_when_asked(database_url, settings):
    create_schema(settings)
    with session_scope(settings) as s:
        ann, ben = make(s, "ann"), make(s, "ben")
        MuteAccount(s)(ann, ben, notifications=False, duration=3600)
        ann_id, ben_id = ann.id, ben.id
    with session_scope(settings) as s:
        assert relationships.hidden_account_ids(s, viewer_id=ann_id) == {ben_id}
        assert notifications.hidden_sender_ids(s, recipient_id=ann_id) == set()
        mute = account_pairs.find(s, Mute, account_id=ann_id, target_account_id=ben_id)
        assert timedelta(minutes=59) < mute.expires_at - utcnow() <= timedelta(hours=1)
        MuteAccount(s)(s.get(Account, ann_id), s.get(Account, ben_id))  # again: for ever, notifications too
    with session_scope(settings) as s:
        mute = account_pairs.find(s, Mute, account_id=ann_id, target_account_id=ben_id)
        assert mute.expires_at is None and mute.hide_notifications is True
        assert notifications.hidden_sender_ids(s, recipient_id=ann_id) == {ben_id}
        assert [a.id for a in account_pairs.mutes_page(s, owner_id=ann_id).accounts] == [ben_id]
        mute.expires_at = utcnow() - timedelta(seconds=1)  # an ended mute hides nothing
    with session_scope(settings) as s:
        assert relationships.hidden_account_ids(s, viewer_id=ann_id) == set()
        assert notifications.hidden_sender_ids(s, recipient_id=ann_id) == set()
        assert account_pairs.mutes_page(s, owner_id=ann_id).accounts == []
        with pytest.raises(Exception, match="duration"):
            MuteAccount(s)(s.get(Account, ann_id), s.get(Account, ben_id), duration=-5)
    with session_scope(settings) as s:
        UnmuteAccount(s)(s.get(Account, ann_id), s.get(Account, ben_id))
    with session_scope(settings) as s:
        muted = events(s, "account.muted")
        assert [json.loads(e.payload) for e in muted] == [{"notifications": False, "duration": 3600},
                                                          {"notifications": True, "duration": 0}]
        assert len(events(s, "account.unmuted")) == 1
