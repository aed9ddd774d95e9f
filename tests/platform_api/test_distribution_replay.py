"""A crash between a post's commit and its fan-out loses nothing: the request's transaction also
queued the fan-out (``pending_distributions``), and the API replays what is left when it starts —
or ``agora db redistribute`` does, on SQLite and on the real PostgreSQL and MariaDB servers."""

from __future__ import annotations

import os

import httpx
from sqlalchemy import func, select

from agora.cli import main as agora
from agora.processes import free_port
from agora.settings import get_settings, reset_settings_cache
from api_people import sign_up
from conftest import api_server, eventually
from platform_api.db import create_schema, dispose_engines, session_scope
from platform_api.repositories import distributions
from platform_api.schemas import StatusCreate
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, Follow, PendingDistribution
from platform_api.timelines import HomeTimeline


def _crashed_post(settings, author_id: int, text: str) -> int:
    """What a request leaves when the process dies right after its commit: the status and its
    queued fan-out, and no worker run."""
    with session_scope(settings) as session:
        status = PostStatus(session, settings)(session.get(Account, author_id), StatusCreate(status=text))
        distributions.schedule(session, status_id=status.id)
        return status.id


def _home_ids(settings, viewer_id: int) -> list[int]:
    with session_scope(settings) as session:
        return [s.id for s in HomeTimeline(session, settings)(session.get(Account, viewer_id), limit=20)]


def test_redistribute_fans_out_what_a_crash_left_pending(database_url, capsys):
    settings = get_settings()
    create_schema(settings)
    with session_scope(settings) as session:
        author, follower = (RegisterAccount(session)(username=n, email=f"{n}@example.org", password="correct horse",
                                                     password_hash="-").id for n in ("author", "follower"))
        session.add(Follow(account_id=follower, target_account_id=author))
        session.get(Account, author).followers_count = 1
    first, second = (_crashed_post(settings, author, t) for t in ("one", "two"))
    assert _home_ids(settings, follower) == []

    assert agora(["db", "redistribute"]) == 0
    assert "redistributed 2 statuses" in capsys.readouterr().out
    assert _home_ids(settings, follower) == [second, first]
    with session_scope(settings) as session:
        assert session.scalar(select(func.count()).select_from(PendingDistribution)) == 0

    assert agora(["db", "redistribute"]) == 0  # nothing left: a second replay changes nothing
    assert "redistributed 0 statuses" in capsys.readouterr().out
    assert _home_ids(settings, follower) == [second, first]
    dispose_engines()


def test_api_replays_pending_fan_out_when_it_starts(agora_home, monkeypatch):
    monkeypatch.setenv("AGORA_API_PORT", str(free_port()))
    monkeypatch.setenv("AGORA_SERVING_PORT", str(free_port()))
    monkeypatch.setenv("AGORA_DISTRIBUTION_SWEEP_SECONDS", "0.5")
    reset_settings_cache()
    env = dict(os.environ)
    with api_server(agora_home, env) as base, httpx.Client(base_url=base, timeout=30) as http:
        author, _ = sign_up(http, "author")
        follower, as_follower = sign_up(http, "follower")
        assert http.post(f"/api/v1/accounts/{author}/follow", headers=as_follower).status_code == 200
        posted = http.post("/api/v1/statuses", headers=as_follower, data={"status": "served normally"})
        assert posted.status_code == 200
    settings = get_settings()
    lost = _crashed_post(settings, int(author), "committed, then the API died")
    dispose_engines()

    with api_server(agora_home, env) as base, httpx.Client(base_url=base, timeout=30) as http:
        home = lambda: [s["id"] for s in http.get("/api/v1/timelines/home", headers=as_follower,
                                                   params={"order": "chronological"}).json()]
        assert eventually(lambda: str(lost) in home(), timeout=15), home()
    with session_scope(settings) as session:
        assert session.scalar(select(func.count()).select_from(PendingDistribution)) == 0
    dispose_engines()
