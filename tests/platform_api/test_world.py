"""The synthetic world: deterministic for a seed, and every interaction is in the outbox."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.tables import Account, Favourite, Follow, OutboxEvent, Status
from platform_api.world.generate import GenerateWorld, WorldConfig


def _snapshot(settings: Settings):
    with session_scope(settings) as session:
        names = dict(session.execute(select(Account.id, Account.username)).all())
        follows = {(names[a], names[b]) for a, b in session.execute(select(Follow.account_id, Follow.target_account_id))}
        texts = sorted(session.scalars(select(Status.text)))
        events = Counter(session.scalars(select(OutboxEvent.event_type)))
        likes = session.query(Favourite).count()
    return names, follows, texts, events, likes


def test_world_is_deterministic_and_fully_evented(tmp_path):
    config = WorldConfig(users=80, seed=3, impressions_per_user=15)
    first = Settings(home=tmp_path / "a")
    second = Settings(home=tmp_path / "b")
    GenerateWorld(first, config)()
    GenerateWorld(second, config)()
    names_a, follows_a, texts_a, events_a, likes_a = _snapshot(first)
    names_b, follows_b, texts_b, events_b, likes_b = _snapshot(second)
    assert sorted(names_a.values()) == sorted(names_b.values())
    assert follows_a == follows_b and texts_a == texts_b and events_a == events_b
    assert events_a["account.created"] == 80
    assert events_a["account.followed"] - events_a["account.unfollowed"] == len(follows_a)  # follow churn
    assert events_a["status.created"] == len(texts_a)
    assert events_a["status.favourited"] == likes_a > 0
    assert events_a["status.impression"] > 0
    assert (tmp_path / "a" / "world" / "users.parquet").exists()
