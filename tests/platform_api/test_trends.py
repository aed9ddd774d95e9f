"""Live trends from real rows: tag history over seven days (uses and distinct accounts per
day), ranking by recent accounts, statuses by engagement velocity, and nothing from
``limited`` posts, non-public posts, silenced or suspended authors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from platform_api.db import create_schema, session_scope
from platform_api.ids import utcnow
from platform_api.schemas import StatusCreate
from platform_api.services.favourite_status import FavouriteStatus
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, Status
from platform_api.trends import TrendingStatuses, TrendingTags


def setup_people(settings, names):
    create_schema(settings)
    with session_scope(settings) as session:
        return {n: RegisterAccount(session)(username=n, email=f"{n}@example.org", password="correct horse",
                                            password_hash="-").id for n in names}


def post(settings, author: int, text: str, at: datetime | None = None, **kw) -> int:
    with session_scope(settings) as session:
        return PostStatus(session, settings)(session.get(Account, author), StatusCreate(status=text, **kw),
                                             created_at=at).id


def test_tag_history_and_ranking(settings):
    p = setup_people(settings, ("a", "b", "c", "d", "e"))
    now = utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for name in ("a", "b", "c"):
        post(settings, p[name], "#rising today")
    post(settings, p["a"], "#rising again today")
    post(settings, p["a"], "#rising yesterday", at=midnight - timedelta(hours=3))
    post(settings, p["d"], "#rising long ago", at=midnight - timedelta(days=5, hours=1))
    post(settings, p["a"], "#steady today")
    post(settings, p["e"], "#hidden today", visibility="unlisted")
    limited = post(settings, p["e"], "#spammy today")
    for _ in range(3):
        post(settings, p["d"], "#silenced today")
    with session_scope(settings) as session:
        session.get(Status, limited).limited = True
        session.get(Account, p["d"]).silenced_at = datetime.now(UTC)

    with session_scope(settings) as session:
        tags = TrendingTags(session)(limit=10)
    assert [name for name, _ in tags] == ["rising", "steady"]
    history = dict(tags)["rising"]
    assert len(history) == 7
    assert history[0] == {"day": str(int(midnight.timestamp())), "uses": "4", "accounts": "3"}
    assert history[1] == {"day": str(int((midnight - timedelta(days=1)).timestamp())), "uses": "1", "accounts": "1"}
    assert [h["uses"] for h in history[2:]] == ["0"] * 5  # the post five days ago is by a silenced author
    with session_scope(settings) as session:
        assert [name for name, _ in TrendingTags(session)(limit=1, offset=1)] == ["steady"]


def test_statuses_by_engagement_velocity(settings):
    p = setup_people(settings, ("author", "f1", "f2", "f3", "f4"))
    now = utcnow()
    old = post(settings, p["author"], "old but loved", at=now - timedelta(hours=30))
    fresh = post(settings, p["author"], "fresh")
    private = post(settings, p["author"], "private but loved", visibility="private")
    ignored = post(settings, p["author"], "nobody cares")
    with session_scope(settings) as session:
        like = FavouriteStatus(session)
        for fan in ("f1", "f2", "f3", "f4"):
            like(session.get(Account, p[fan]), session.get(Status, old))
            like(session.get(Account, p[fan]), session.get(Status, private))
        like(session.get(Account, p["f1"]), session.get(Status, fresh))
    with session_scope(settings) as session:
        ranked = [s.id for s in TrendingStatuses(session)(None)]
    assert ranked == [fresh, old]  # 1 like in minutes beats 4 likes over a day; no private, no unloved
    assert private not in ranked and ignored not in ranked
