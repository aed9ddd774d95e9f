"""Property tests of the visibility rules: for random small worlds (follows, blocks either way,
mutes, suspensions, deleted posts, every visibility, mentions), what ``VisibleStatuses`` lets a
viewer see equals what the rules say, written here independently:

- nobody sees a deleted post or a post of a suspended account;
- nobody sees posts of an account they blocked, that blocked them, or that they muted;
- authors see their own posts;
- public and unlisted posts are seen by everyone else, logged-out visitors included;
- followers-only posts by followers and mentioned accounts; direct posts by mentioned accounts only.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from platform_api.db import create_schema, session_scope
from platform_api.ids import utcnow
from platform_api.schemas import StatusCreate
from platform_api.services.block_account import BlockAccount
from platform_api.services.follow_account import FollowAccount
from platform_api.services.mute_account import MuteAccount
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, Status
from platform_api.visibility import VisibleStatuses

PEOPLE = 4
pairs = st.tuples(st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)).filter(lambda p: p[0] != p[1])
posts = st.tuples(st.integers(0, PEOPLE - 1),                                     # author
                  st.sampled_from(["public", "unlisted", "private", "direct"]),
                  st.sets(st.integers(0, PEOPLE - 1), max_size=2),                 # mentioned
                  st.booleans())                                                   # deleted
worlds = st.fixed_dictionaries({
    "follows": st.sets(pairs, min_size=2, max_size=10), "blocks": st.sets(pairs, max_size=2), "mutes": st.sets(pairs, max_size=2),
    "suspended": st.sets(st.integers(0, PEOPLE - 1), max_size=1), "posts": st.lists(posts, min_size=2, max_size=6),
})
_worlds_built = itertools.count()


def expected_visible(world: dict, viewer: int | None, post: tuple) -> bool:
    author, visibility, mentioned, deleted = post
    blocked = {frozenset(p) for p in world["blocks"]}
    if deleted or author in world["suspended"]:
        return False
    if viewer is None:
        return visibility in ("public", "unlisted")
    if frozenset((viewer, author)) in blocked or (viewer, author) in world["mutes"]:
        return False
    if viewer == author or visibility in ("public", "unlisted"):
        return True
    # A block severs follows both ways, so a follow survives only between accounts with no block.
    follows = viewer != author and (viewer, author) in world["follows"] and frozenset((viewer, author)) not in blocked
    if visibility == "private":
        return follows or viewer in mentioned
    return viewer in mentioned


@pytest.fixture
def store(settings):
    create_schema(settings)
    return settings


def _write(settings, world: dict, prefix: str) -> tuple[list[int], list[int]]:
    """The drawn world as real rows, through the services: (account ids, status ids in draw order)."""
    tag = next(_worlds_built)
    with session_scope(settings) as session:
        people = [RegisterAccount(session)(username=f"{prefix}{tag}p{i}", email=f"{prefix}{tag}p{i}@example.org",
                                           password="not-checked", password_hash="unused") for i in range(PEOPLE)]
        for a, b in sorted(world["follows"]):
            FollowAccount(session, settings)(people[a], people[b])
        for a, b in sorted(world["blocks"]):
            BlockAccount(session, settings)(people[a], people[b])
        for a, b in sorted(world["mutes"]):
            MuteAccount(session)(people[a], people[b])
        written = []
        for author, visibility, mentioned, deleted in world["posts"]:
            text = "hello " + " ".join(f"@{people[m].username}" for m in sorted(mentioned))
            status = PostStatus(session, settings)(people[author], StatusCreate(status=text, visibility=visibility))
            if deleted:
                status.deleted_at = utcnow()
            written.append(status.id)
        for index in world["suspended"]:
            people[index].suspended_at = utcnow()
        return [p.id for p in people], written


@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds)
def test_visible_statuses_follow_the_rules(store, world):
    ids, written = _write(store, world, "w")
    with session_scope(store) as session:
        statuses = [session.get(Status, i) for i in written]
        for viewer in [None, *range(PEOPLE)]:
            viewer_account = session.get(Account, ids[viewer]) if viewer is not None else None
            seen = {s.id for s in VisibleStatuses(session, viewer_account)(statuses)}
            for post, status in zip(world["posts"], statuses, strict=True):
                assert (status.id in seen) == expected_visible(world, viewer, post), f"viewer {viewer}, post {post}"


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds)
def test_the_column_path_sees_what_the_rules_say(store, world):
    """``visible_ids`` (the ranked feed's filter: plain columns, no ORM rows) agrees with the rules too."""
    ids, written = _write(store, world, "c")
    with session_scope(store) as session:
        for viewer in [None, *range(PEOPLE)]:
            viewer_account = session.get(Account, ids[viewer]) if viewer is not None else None
            seen = VisibleStatuses(session, viewer_account).visible_ids(written)
            for post, status_id in zip(world["posts"], written, strict=True):
                assert (status_id in seen) == expected_visible(world, viewer, post), f"viewer {viewer}, post {post}"
