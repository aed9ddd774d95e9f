"""Full-text search on each backend's own engine (SQLite FTS5, PostgreSQL tsvector, MariaDB
FULLTEXT): the index follows creates, edits and deletes, every word must match, results
are newest first, and what a viewer may not see (private, direct, blocked, suspended,
``limited``, silenced) never comes back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from platform_api.db import create_schema, session_scope
from platform_api.input_schemas import SearchParams, StatusEdit
from platform_api.repositories import search
from platform_api.schemas import StatusCreate
from platform_api.services.delete_status import DeleteStatus
from platform_api.services.edit_status import EditStatus
from platform_api.services.follow_account import FollowAccount
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.services.search import Search
from platform_api.tables import Account, Block, Status


@pytest.fixture
def world(database_url, settings):
    create_schema(settings)
    with session_scope(settings) as session:
        people = {n: RegisterAccount(session)(username=n, email=f"{n}@example.org", password="correct horse",
                                              password_hash="-").id
                  for n in ("ana", "bo", "cy", "di")}
    return settings, people


def post(settings, author_id: int, text: str, **kw) -> int:
    with session_scope(settings) as session:
        return PostStatus(session, settings)(session.get(Account, author_id), StatusCreate(status=text, **kw)).id


def found(settings, q: str, viewer_id: int | None = None, **params) -> list[int]:
    with session_scope(settings) as session:
        viewer = session.get(Account, viewer_id) if viewer_id else None
        return [s.id for s in Search(session)(viewer, SearchParams(q=q, type="statuses", **params)).statuses]


def test_full_text_search_on_each_backend(world):
    """One test per backend (a MariaDB schema costs seconds): the index, then visibility."""
    settings, p = world
    index_follows_create_edit_and_delete(settings, p)
    visibility_rules_apply(settings, p)


def index_follows_create_edit_and_delete(settings, p):
    first = post(settings, p["bo"], "Glacier hiking in Patagonia")
    second = post(settings, p["bo"], "More glacier photos, from Iceland this time")
    post(settings, p["cy"], "Nothing to do with ice")
    assert found(settings, "glacier", p["ana"]) == [second, first]  # newest first
    assert found(settings, "GLACIER patagonia", p["ana"]) == [first]  # every word, any case
    assert found(settings, "glacier volcano", p["ana"]) == []
    assert found(settings, "glacier", p["ana"], limit=1, offset=1) == [first]
    assert found(settings, "glacier", p["ana"], account_id=p["cy"]) == []

    with session_scope(settings) as session:
        EditStatus(session, settings)(session.get(Account, p["bo"]), session.get(Status, first),
                                      StatusEdit(status="Volcano trekking in Patagonia"))
    assert found(settings, "glacier", p["ana"]) == [second]
    assert found(settings, "volcano", p["ana"]) == [first]

    with session_scope(settings) as session:
        DeleteStatus(session, settings)(session.get(Account, p["bo"]), session.get(Status, second))
    assert found(settings, "glacier", p["ana"]) == []
    with session_scope(settings) as session:  # the raw index agrees: no deleted rows
        assert search.status_ids(session, q="glacier", limit=10) == []


def visibility_rules_apply(settings, p):
    with session_scope(settings) as session:
        FollowAccount(session)(session.get(Account, p["ana"]), session.get(Account, p["bo"]))
    public = post(settings, p["bo"], "lighthouse keeper diary")
    private = post(settings, p["bo"], "lighthouse keeper secrets", visibility="private")
    direct = post(settings, p["bo"], "lighthouse keeper @cy letter", visibility="direct")
    limited = post(settings, p["di"], "lighthouse keeper spam")
    followed_but_limited = post(settings, p["bo"], "lighthouse keeper flagged")
    with session_scope(settings) as session:
        session.get(Status, limited).limited = True
        session.get(Status, followed_but_limited).limited = True

    assert found(settings, "lighthouse keeper", p["ana"]) == [private, public]  # follower: private, not limited
    assert found(settings, "lighthouse keeper", p["cy"]) == [direct, public]  # mentioned: the direct one
    assert found(settings, "lighthouse keeper", None) == [public]  # logged out
    assert found(settings, "lighthouse keeper", p["di"]) == [limited, public]  # an author sees their own

    with session_scope(settings) as session:
        session.add(Block(account_id=p["cy"], target_account_id=p["bo"]))
        session.get(Account, p["di"]).silenced_at = datetime.now(UTC)
    assert found(settings, "lighthouse keeper", p["cy"]) == []
    with session_scope(settings) as session:
        session.get(Account, p["bo"]).suspended_at = datetime.now(UTC)
    assert found(settings, "lighthouse keeper", p["ana"]) == []


def test_accounts_and_hashtags_by_prefix(settings):
    create_schema(settings)
    with session_scope(settings) as session:
        p = {n: RegisterAccount(session)(username=n, email=f"{n}@example.org", password="correct horse",
                                         password_hash="-").id for n in ("ana", "bo", "di")}
    post(settings, p["ana"], "#Photography and #photo_walks and #phonetics")
    with session_scope(settings) as session:
        FollowAccount(session)(session.get(Account, p["ana"]), session.get(Account, p["bo"]))
        names = search.hashtags(session, q="#PHOTO", limit=10)
        assert names == ["photo_walks", "photography"]
        assert [a.username for a in search.accounts(session, q="@bo", limit=5)] == ["bo"]
        assert [a.username for a in search.accounts(session, q="%", limit=5)] == []  # LIKE wildcards are literal
        assert [a.username for a in search.accounts(session, q="d", limit=5, followed_by=p["ana"])] == []
        result = Search(session)(session.get(Account, p["ana"]), SearchParams(q="bo", following=True))
        assert [a.username for a in result.accounts] == ["bo"]
