"""The status verbs on the real app and SQLite: each interaction writes its outbox event in
the same transaction (exactly once, even when repeated), counters follow, and every bad
request is a 4xx with ``{"error": …}``."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from platform_api.db import session_scope
from platform_api.tables import Notification, OutboxEvent, StatusEdit


def register(client, username: str) -> tuple[dict, str]:
    app = client.post("/api/v1/apps", data={"client_name": "t", "scopes": "read write follow"}).json()
    token = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": app["client_id"],
                                              "client_secret": app["client_secret"],
                                              "scope": "read write follow"}).json()["access_token"]
    response = client.post("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"},
                           data={"username": username, "email": f"{username}@example.org",
                                 "password": "correct horse battery", "agreement": "true"})
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return headers, client.get("/api/v1/accounts/verify_credentials", headers=headers).json()["id"]


def events(settings) -> Counter:
    with session_scope(settings) as session:
        return Counter(e for e in session.scalars(select(OutboxEvent.event_type)) if e.startswith("status."))


def test_every_verb_records_its_event_once(client, settings):
    (ana, _), (bo, bo_id) = register(client, "ana"), register(client, "bo")
    client.post(f"/api/v1/accounts/{bo_id}/follow", headers=ana)
    sid = client.post("/api/v1/statuses", headers=bo, data={"status": "original"}).json()["id"]
    reply = client.post("/api/v1/statuses", headers=ana, data={"status": "a reply", "in_reply_to_id": sid}).json()
    for _ in range(2):  # repeated marks are idempotent: one event each
        client.post(f"/api/v1/statuses/{sid}/reblog", headers=ana)
        client.post(f"/api/v1/statuses/{sid}/bookmark", headers=ana)
        client.post(f"/api/v1/statuses/{sid}/pin", headers=bo)
    client.post(f"/api/v1/statuses/{sid}/unreblog", headers=ana)
    client.post(f"/api/v1/statuses/{sid}/unbookmark", headers=ana)
    client.post(f"/api/v1/statuses/{sid}/unpin", headers=bo)
    client.post(f"/api/v1/statuses/{sid}/favourite", headers=ana)
    client.put(f"/api/v1/statuses/{sid}", headers=bo, json={"status": "edited once"})
    client.put(f"/api/v1/statuses/{sid}", headers=bo, json={"status": "edited twice", "spoiler_text": "cw"})
    counted = client.get(f"/api/v1/statuses/{sid}", headers=ana).json()
    assert (counted["replies_count"], counted["reblogs_count"], counted["spoiler_text"]) == (1, 0, "cw")
    client.delete(f"/api/v1/statuses/{reply['id']}", headers=ana)
    assert client.get(f"/api/v1/statuses/{sid}", headers=ana).json()["replies_count"] == 0

    assert events(settings) == {"status.created": 2, "status.replied": 1, "status.reblogged": 1,
                                "status.unreblogged": 1, "status.bookmarked": 1, "status.unbookmarked": 1,
                                "status.pinned": 1, "status.unpinned": 1, "status.updated": 2, "status.deleted": 1,
                                "status.favourited": 1}
    with session_scope(settings) as session:
        revisions = list(session.scalars(select(StatusEdit.text).order_by(StatusEdit.created_at)))
        kinds = sorted(session.scalars(select(Notification.type)))
    assert revisions == ["original", "edited once", "edited twice"]
    assert kinds == ["favourite", "follow", "mention", "reblog", "update", "update"]  # ana liked it: edits reach her

    history = client.get(f"/api/v1/statuses/{sid}/history").json()
    assert [h["content"] for h in history] == ["<p>original</p>", "<p>edited once</p>", "<p>edited twice</p>"]
    assert client.get(f"/api/v1/statuses/{reply['id']}/history").status_code == 404


def test_bad_requests_are_clear_4xx(client):
    (ana, _), (bo, _) = register(client, "ana"), register(client, "bo")
    sid = client.post("/api/v1/statuses", headers=bo, data={"status": "mine"}).json()["id"]
    private = client.post("/api/v1/statuses", headers=bo, data={"status": "p", "visibility": "private"}).json()["id"]
    checks = [
        (client.put(f"/api/v1/statuses/{sid}", headers=ana, json={"status": "hijack"}), 404),
        (client.delete(f"/api/v1/statuses/{sid}", headers=ana), 404),
        (client.put(f"/api/v1/statuses/{sid}", headers=bo, json={"status": ""}), 422),
        (client.put(f"/api/v1/statuses/{sid}", headers=bo, json={"status": "x" * 501}), 422),
        (client.put(f"/api/v1/statuses/{sid}", headers=bo, json={"status": "x", "media_ids": [1, 2, 3, 4, 5]}), 422),
        (client.put(f"/api/v1/statuses/{sid}", headers=bo, json={"status": "x", "media_ids": [12345]}), 422),
        (client.put(f"/api/v1/statuses/{sid}", content=b"{not json",
                    headers={**bo, "content-type": "application/json"}), 400),
        (client.post(f"/api/v1/statuses/{private}/reblog", headers=ana), 404),  # ana may not even see it
        (client.post(f"/api/v1/statuses/{sid}/reblog", headers=ana, data={"visibility": "direct"}), 422),
        (client.post(f"/api/v1/statuses/{sid}/pin", headers=ana), 422),
        (client.post("/api/v1/statuses/123/favourite", headers=ana), 404),
        (client.get("/api/v1/statuses/not-a-number"), 422),
        (client.get("/api/v1/bookmarks"), 401),
        (client.get("/api/v1/favourites", headers=ana, params={"limit": 500}), 422),
        (client.get(f"/api/v1/statuses/{sid}/source", headers=ana), 404),
        (client.get("/api/v2/search", params={"q": ""}), 422),
        (client.get("/api/v2/search", params={"q": "x", "type": "people"}), 422),
        (client.get("/api/v1/timelines/public", params={"max_id": "abc"}), 422),
        (client.get("/api/v1/streaming/user"), 401),
        (client.get("/api/v1/streaming/hashtag"), 400),
        (client.post("/api/v1/agora/stories", headers=ana, data={"status": "no media"}), 422),
    ]
    for response, status in checks:
        assert response.status_code == status, (response.request.method, response.request.url, response.text)
        assert "error" in response.json()
    for _ in range(5):
        pinnable = client.post("/api/v1/statuses", headers=bo, data={"status": "pin me"}).json()["id"]
        client.post(f"/api/v1/statuses/{pinnable}/pin", headers=bo)
    sixth = client.post(f"/api/v1/statuses/{sid}/pin", headers=bo)
    assert sixth.status_code == 422 and "more than 5" in sixth.json()["error"]
