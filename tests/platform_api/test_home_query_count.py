"""What a home page costs in SQL statements, counted on the engine through a real request (auth,
timeline, serializer, impression side effect), on SQLite, PostgreSQL and MariaDB: the same
small number whatever the number of followees, for the chronological timeline and for the
ranked cold path (ranker down, so it falls back, and no page cache). A regression test that
counts, never times.

Chronological, 15: the token (the rate limiter's check, then the token with its account and user
in one query: 2), followees, fan-out entries, their authors (3), the
page and the viewer's blocks and mutes (3), tags, mentions, media, viewer marks (4),
impressions (3); it was 22 before the page was loaded in chunks and the marks in one query, 16
before the account and user came with the token. The ranked cold path adds its sources and
filters. Without ``order`` the viewer's own feed order (on the user row) decides, at no extra
statement."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from agora.processes import free_port
from agora.settings import get_settings, reset_settings_cache
from platform_api.db import create_schema, get_engine, session_scope
from platform_api.main import create_app
from platform_api.schemas import StatusCreate
from platform_api.services.fan_out_on_write import FanOutOnWrite
from platform_api.services.favourite_status import FavouriteStatus
from platform_api.services.follow_account import FollowAccount
from platform_api.services.issue_token import IssueToken
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount

CHRONOLOGICAL_MAX = 15
RANKED_COLD_MAX = 22


def _people(session, prefix: str, count: int):
    register = RegisterAccount(session)
    return [register(username=f"{prefix}{i}", email=f"{prefix}{i}@x.org", password="long enough pw",
                     password_hash="unused") for i in range(count)]


def _viewer_following(settings, name: str, followees: int) -> str:
    """A viewer following ``followees`` accounts that each posted twice (#topic, liked by others); its token."""
    with session_scope(settings) as session:
        viewer, = _people(session, f"{name}v", 1)
        authors = _people(session, f"{name}a", followees)
        for author in authors:
            FollowAccount(session, settings)(viewer, author)
        for round_ in range(2):
            for author in authors:
                status = PostStatus(session, settings)(author, StatusCreate(status=f"post {round_} #topic"))
                session.flush()
                FanOutOnWrite(session, settings)(status.id)
                FavouriteStatus(session)(authors[0] if author is not authors[0] else authors[-1], status)
        return IssueToken(session)(application=None, account=viewer, scopes="read")[0]


def _statements(client: TestClient, token: str, order: str | None) -> tuple[int, int]:
    executed = []
    engine = get_engine(get_settings())

    def count(*_):
        if threading.current_thread().name != "pending-moderation":     # the API's own poller, not the request
            executed.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/api/v1/timelines/home", params={"limit": 20, **({"order": order} if order else {})},
                              headers={"Authorization": f"Bearer {token}"})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.text
    return len(executed), len(response.json())


@pytest.fixture
def client(database_url, monkeypatch):
    monkeypatch.setenv("AGORA_SERVING_PORT", str(free_port()))      # no ranker: the ranked path falls back
    monkeypatch.setenv("AGORA_RETRIEVAL_PORT", str(free_port()))
    reset_settings_cache()
    settings = get_settings()
    create_schema(settings)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize("order,most", [("chronological", CHRONOLOGICAL_MAX), ("ranked", RANKED_COLD_MAX),
                                        (None, RANKED_COLD_MAX)])
def test_a_home_page_costs_the_same_few_statements_whatever_the_followees(client, order, most):
    settings = get_settings()
    few, many = _viewer_following(settings, "few", 3), _viewer_following(settings, "many", 30)
    few_statements, few_items = _statements(client, few, order)
    many_statements, many_items = _statements(client, many, order)
    assert (few_items, many_items) == (6, 20)
    assert many_statements == few_statements
    assert many_statements <= most
