"""The API slice end to end on the real app and SQLite: register, post, follow, favourite,
home timeline — and every change's event in the outbox, exactly once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from platform_api.db import session_scope
from platform_api.tables import OutboxEvent


def app_token(client) -> tuple[dict, str]:
    app = client.post("/api/v1/apps", data={"client_name": "tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                                             "scopes": "read write follow"}).json()
    token = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": app["client_id"],
                                              "client_secret": app["client_secret"],
                                              "scope": "read write follow"}).json()["access_token"]
    return app, token


def register(client, username: str) -> dict:
    _, token = app_token(client)
    response = client.post("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"},
                           data={"username": username, "email": f"{username}@example.org",
                                 "password": "correct horse battery", "agreement": "true"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_register_post_follow_favourite_and_home(client, settings):
    ana, bo = register(client, "ana"), register(client, "bo")
    bo_id = client.get("/api/v1/accounts/verify_credentials", headers=bo).json()["id"]

    posted = client.post("/api/v1/statuses", headers=bo, data={"status": "Hello #Climbing <b>world</b>"})
    assert posted.status_code == 200, posted.text
    status = posted.json()
    assert status["content"] == ('<p>Hello <a href="http://127.0.0.1:8000/tags/climbing" class="mention hashtag" '
                                 'rel="tag">#<span>Climbing</span></a> &lt;b&gt;world&lt;/b&gt;</p>')
    assert status["tags"] == [{"name": "climbing", "url": "http://127.0.0.1:8000/tags/climbing"}]

    relationship = client.post(f"/api/v1/accounts/{bo_id}/follow", headers=ana).json()
    assert relationship["following"] is True

    liked = client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=ana).json()
    assert liked["favourited"] is True and liked["favourites_count"] == 1
    client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=ana)  # idempotent

    home = client.get("/api/v1/timelines/home", headers=ana)
    assert home.status_code == 200
    assert home.headers["X-Agora-Ranking"] == "fallback"  # no model service is running
    items = home.json()
    assert [s["id"] for s in items] == [status["id"]]
    assert items[0]["agora"]["why"] == ["you follow @bo"]
    assert 'rel="next"' in home.headers["Link"]

    with session_scope(settings) as session:
        kinds = Counter(session.scalars(select(OutboxEvent.event_type)))
    assert kinds == {"account.created": 2, "status.created": 1, "account.followed": 1, "status.favourited": 1,
                     "status.impression": 1}  # the served page, logged as a side effect


def test_chronological_order_on_request(client):
    ana, bo = register(client, "ana"), register(client, "bo")
    bo_id = client.get("/api/v1/accounts/verify_credentials", headers=bo).json()["id"]
    client.post(f"/api/v1/accounts/{bo_id}/follow", headers=ana)
    ids = [client.post("/api/v1/statuses", headers=bo, data={"status": f"post {i}"}).json()["id"] for i in range(3)]
    home = client.get("/api/v1/timelines/home", params={"order": "chronological", "limit": 2}, headers=ana)
    assert home.headers["X-Agora-Ranking"] == "chronological"
    assert [s["id"] for s in home.json()] == ids[::-1][:2]
    older = client.get("/api/v1/timelines/home", headers=ana,
                       params={"order": "chronological", "max_id": ids[1]}).json()
    assert [s["id"] for s in older] == [ids[0]]


def test_bad_input_is_a_clear_4xx(client):
    ana = register(client, "ana")
    too_long = client.post("/api/v1/statuses", headers=ana, data={"status": "x" * 501})
    assert too_long.status_code == 422 and "character limit" in too_long.json()["error"]
    bad_visibility = client.post("/api/v1/statuses", headers=ana, json={"status": "hi", "visibility": "secret"})
    assert bad_visibility.status_code == 422 and "visibility" in bad_visibility.json()["error"]
    assert client.get("/api/v1/timelines/home").status_code == 401
    assert client.get("/api/v1/statuses/123").status_code == 404
    malformed = client.post("/api/v1/statuses", content=b"{not json",
                            headers={**ana, "Content-Type": "application/json"})
    assert malformed.status_code == 400 and "Malformed JSON" in malformed.json()["error"]


def test_served_items_are_logged_as_impressions(client, settings):
    ana, bo = register(client, "ana"), register(client, "bo")
    bo_id = client.get("/api/v1/accounts/verify_credentials", headers=bo).json()["id"]
    client.post(f"/api/v1/accounts/{bo_id}/follow", headers=ana)
    status_id = client.post("/api/v1/statuses", headers=bo, data={"status": "seen?"}).json()["id"]
    client.get("/api/v1/timelines/home", headers=ana)
    with session_scope(settings) as session:
        impressions = session.scalars(select(OutboxEvent.status_id).where(
            OutboxEvent.event_type == "status.impression")).all()
    assert impressions == [int(status_id)]


def test_home_pages_are_timed_by_where_their_list_came_from(client):
    """``agora_feed_page_seconds``: the ranker is not running here, so a ranked first page runs the
    pipeline (and falls back), and a chronological one is labelled as such."""
    from prometheus_client import REGISTRY

    def pages(list_source: str) -> float:
        return REGISTRY.get_sample_value("agora_feed_page_seconds_count", {"list": list_source}) or 0.0

    ana = register(client, "ana")
    ranked, chronological = pages("ranked"), pages("chronological")
    assert client.get("/api/v1/timelines/home", headers=ana).status_code == 200
    assert client.get("/api/v1/timelines/home", headers=ana, params={"order": "chronological"}).status_code == 200
    assert (pages("ranked"), pages("chronological")) == (ranked + 1, chronological + 1)
