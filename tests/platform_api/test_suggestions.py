"""Follow suggestions on SQLite, PostgreSQL and MariaDB: friends of friends in Adamic-Adar
order, then the most followed, and never the viewer or anyone followed, requested, blocked,
muted, suspended, silenced, undiscoverable or dismissed."""

from __future__ import annotations

import math

from sqlalchemy import select

from platform_api.db import create_schema, session_scope
from platform_api.ids import utcnow
from platform_api.services.block_account import BlockAccount
from platform_api.services.follow_account import FollowAccount
from platform_api.services.mute_account import MuteAccount
from platform_api.services.register_account import RegisterAccount
from platform_api.services.suggest_accounts import DismissSuggestion, SuggestAccounts, adamic_adar_ranking
from platform_api.tables import Account, OutboxEvent


def test_adamic_adar_ranking_weighs_paths_by_the_degree_in_between():
    # (candidate, its followers, degree of the account in between)
    paths = [(10, 1, 7), (20, 3, 7), (20, 3, 2), (20, 3, 2), (30, 1, 3), (40, 5, 3), (50, 5, 1)]
    # 20: 1/ln7 + 2/ln2; 50: degree 1 counts as 2 -> 1/ln2; 30 and 40 tie on 1/ln3, 40 has more followers
    assert adamic_adar_ranking(paths) == [20, 50, 40, 30, 10]
    assert adamic_adar_ranking([]) == []


def test_friends_of_friends_then_most_followed_with_exclusions(database_url, settings):
    create_schema(settings)
    with session_scope(settings) as s:
        def make(name, discoverable=True):
            account = RegisterAccount(s)(username=name, email=f"{name}@example.org", password="not-checked",
                                         password_hash="unused")
            account.discoverable = discoverable
            return account

        viewer, hub, s1, s2 = make("viewer"), make("hub"), make("s1"), make("s2")
        x, y, z, popular = make("x"), make("y"), make("z"), make("popular")
        fillers = [make(f"filler{i}", discoverable=False) for i in range(4)]
        muted, blocked, suspended, silenced = make("muted"), make("blocked"), make("suspended"), make("silenced")
        dismissed, locked = make("dismissed"), make("locked")
        follow = FollowAccount(s)
        for target in (hub, s1, s2):
            follow(viewer, target)
        for target in (x, y, *fillers, muted, dismissed, locked):
            follow(hub, target)
        for target in (y, z, suspended, viewer):
            follow(s1, target)
        for target in (y, blocked, silenced):
            follow(s2, target)
        for fan in fillers:
            follow(fan, popular)
        locked.locked = True
        follow(viewer, locked)  # a pending request
        MuteAccount(s)(viewer, muted)
        BlockAccount(s, settings)(viewer, blocked)
        suspended.suspended_at = silenced.silenced_at = utcnow()
        DismissSuggestion(s)(viewer, dismissed)
        DismissSuggestion(s)(viewer, dismissed)
        viewer_id = viewer.id
        names = {a.id: a.username for a in s.scalars(select(Account))}

    with session_scope(settings) as s:
        degree = {a.username: a.followers_count + a.following_count for a in s.scalars(select(Account))}
        expected_fof = sorted(["x", "y", "z"], key=lambda c: -sum(
            1 / math.log(max(degree[via], 2)) for via, reaches in
            (("hub", "xy"), ("s1", "yz"), ("s2", "y")) if c in reaches))
        assert expected_fof == ["y", "z", "x"]  # z beats x: one path each, through a smaller account
        found = SuggestAccounts(s)(s.get(Account, viewer_id))
        assert [(names[g.account.id], g.sources) for g in found] == [
            ("y", ("friends_of_friends",)), ("z", ("friends_of_friends",)), ("x", ("friends_of_friends",)),
            ("popular", ("most_followed",))]
        assert [g.why for g in found] == [
            ("followed by @hub, @s1 and 1 other you follow",), ("followed by @s1, whom you follow",),
            ("followed by @hub, whom you follow",), ("popular on Agora",)]
        assert all(g.model is None and g.score is None for g in found)  # no model service: the fallback chose
        assert [names[g.account.id] for g in SuggestAccounts(s)(s.get(Account, viewer_id), limit=2)] == ["y", "z"]
        newcomer = RegisterAccount(s)(username="newcomer", email="n@example.org", password="not-checked",
                                      password_hash="unused")
        s.flush()
        cold_start = [names.get(g.account.id) for g in SuggestAccounts(s)(newcomer, limit=1)]
        assert cold_start == ["popular"] and found[-1].sources == ("most_followed",)
        assert len(s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "suggestion.dismissed")).all()) == 1
