"""Notifications and markers on SQLite, PostgreSQL and MariaDB: which notifications a
recipient sees (filters, hidden senders, statuses they may no longer see), paging,
dismissing, clearing, and unread counts against the notifications marker."""

from __future__ import annotations

import json

from sqlalchemy import select

from platform_api.db import create_schema, session_scope
from platform_api.ids import utcnow
from platform_api.schemas import StatusCreate
from platform_api.services.authorize_follow_request import AuthorizeFollowRequest
from platform_api.services.block_account import BlockAccount
from platform_api.services.dismiss_notification import ClearNotifications, DismissNotification
from platform_api.services.favourite_status import FavouriteStatus
from platform_api.services.follow_account import FollowAccount
from platform_api.services.issue_token import IssueToken
from platform_api.services.list_notifications import CountUnreadNotifications, ListNotifications
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.services.save_markers import SaveMarkers
from platform_api.tables import Account, OutboxEvent


def make(session, name: str, **kwargs) -> Account:
    return RegisterAccount(session)(username=name, email=f"{name}@example.org", password="not-checked",
                                    password_hash="unused", **kwargs)


def kinds(found) -> list[tuple[str, str]]:
    return [(n.type, n.from_account_id) for n in found]


def test_notification_list_filters_and_hides(database_url, settings):
    create_schema(settings)
    with session_scope(settings) as s:
        ann, ben, cat, dov, eve = (make(s, n) for n in ("ann", "ben", "cat", "dov", "eve"))
        post = PostStatus(s, settings)(ann, StatusCreate(status="hello"))
        gone = PostStatus(s, settings)(ann, StatusCreate(status="soon deleted"))
        FollowAccount(s)(ben, ann)                                        # follow
        FavouriteStatus(s)(ben, post)                                     # favourite
        PostStatus(s, settings)(cat, StatusCreate(status="@ann look"))    # mention
        FavouriteStatus(s)(dov, gone)                                     # about a status deleted below
        FollowAccount(s)(eve, ann)                                        # from an account suspended below
        ids = {a.username: a.id for a in (ann, ben, cat, dov, eve)}
        gone.deleted_at = utcnow()
        s.get(Account, ids["eve"]).suspended_at = utcnow()

    with session_scope(settings) as s:
        ann = s.get(Account, ids["ann"])
        listed = ListNotifications(s)
        assert kinds(listed(ann)) == [("mention", ids["cat"]), ("favourite", ids["ben"]), ("follow", ids["ben"])]
        assert kinds(listed(ann, types=["follow"])) == [("follow", ids["ben"])]
        assert kinds(listed(ann, exclude_types=["follow", "mention"])) == [("favourite", ids["ben"])]
        assert kinds(listed(ann, types=["favourite", "mention"], exclude_types=["mention"])) == [
            ("favourite", ids["ben"])]
        assert kinds(listed(ann, from_account_id=ids["cat"])) == [("mention", ids["cat"])]

        everything = listed(ann)
        newest, middle, oldest = (n.id for n in everything)
        assert [n.id for n in listed(ann, limit=1)] == [newest]
        assert [n.id for n in listed(ann, max_id=newest, limit=1)] == [middle]
        assert [n.id for n in listed(ann, min_id=oldest, limit=1)] == [middle]  # just above, newest first
        assert [n.id for n in listed(ann, min_id=oldest)] == [newest, middle]
        assert [n.id for n in listed(ann, since_id=oldest, limit=1)] == [newest]

        BlockAccount(s, settings)(ann, s.get(Account, ids["cat"]))  # blocked senders disappear
    with session_scope(settings) as s:
        assert kinds(ListNotifications(s)(s.get(Account, ids["ann"]))) == [
            ("favourite", ids["ben"]), ("follow", ids["ben"])]


def test_dismiss_clear_markers_and_unread_count(database_url, settings):
    create_schema(settings)
    with session_scope(settings) as s:
        ann, ben, cat = make(s, "ann", locked=True), make(s, "ben"), make(s, "cat")
        post = PostStatus(s, settings)(ann, StatusCreate(status="hello"))
        FavouriteStatus(s)(ben, post)
        FavouriteStatus(s)(cat, post)
        FollowAccount(s)(ben, ann)  # a follow request: ann is locked
        ann_id, ben_id = ann.id, ben.id

    with session_scope(settings) as s:
        ann = s.get(Account, ann_id)
        request, second, first = ListNotifications(s)(ann)
        assert request.type == "follow_request"
        assert CountUnreadNotifications(s)(ann) == 3
        saved = SaveMarkers(s)(ann, {"notifications": first.id, "home": post.id, "lists": 1})
        assert set(saved) == {"notifications", "home"} and saved["notifications"].version == 0
    with session_scope(settings) as s:
        ann = s.get(Account, ann_id)
        assert CountUnreadNotifications(s)(ann) == 2
        assert CountUnreadNotifications(s)(ann, types=["favourite"]) == 1
        assert CountUnreadNotifications(s)(ann, limit=1) == 1
        assert SaveMarkers(s)(ann, {"notifications": request.id})["notifications"].version == 1
    with session_scope(settings) as s:
        ann = s.get(Account, ann_id)
        assert CountUnreadNotifications(s)(ann) == 0
        AuthorizeFollowRequest(s)(ann, s.get(Account, ben_id))  # the request's notification goes with it
    with session_scope(settings) as s:
        ann = s.get(Account, ann_id)
        assert [n.type for n in ListNotifications(s)(ann)] == ["favourite", "favourite"]
        DismissNotification(s)(ann, second.id)
    with session_scope(settings) as s:
        ann = s.get(Account, ann_id)
        assert [n.id for n in ListNotifications(s)(ann)] == [first.id]
        assert ClearNotifications(s)(ann) == 1
    with session_scope(settings) as s:
        assert ListNotifications(s)(s.get(Account, ann_id)) == []
        logged = {e.event_type: e for e in s.scalars(select(OutboxEvent).where(OutboxEvent.actor_id == ann_id))}
        assert json.loads(logged["notification.dismissed"].payload)["type"] == "favourite"
        assert json.loads(logged["notification.cleared"].payload) == {"count": 1}
        assert logged["account.follow_request_authorized"].target_account_id == ben_id
        assert logged["marker.saved"].event_type == "marker.saved"


def bearer(settings, username: str, scopes: str = "read write follow") -> dict:
    """A user and a token straight from the services (no password hashing, no HTTP)."""
    with session_scope(settings) as s:
        secret, _ = IssueToken(s)(application=None, account=make(s, username), scopes=scopes)
    return {"Authorization": f"Bearer {secret}"}


def test_notifications_and_markers_api_answer_errors_as_json(client, settings):
    ann = bearer(settings, "ann")
    assert client.get("/api/v1/notifications").json() == {"error": "The access token is invalid"}
    response = client.get("/api/v1/notifications/not-an-id", headers=ann)
    assert response.status_code == 422 and "error" in response.json()
    response = client.post("/api/v1/notifications/12345/dismiss", headers=ann)
    assert response.status_code == 404 and response.json() == {"error": "Record not found"}
    response = client.get("/api/v1/notifications", params={"limit": 500, "types[]": "follow"}, headers=ann)
    assert response.status_code == 200 and response.json() == []
    response = client.post("/api/v1/markers", data={"home[last_read_id]": "abc"}, headers=ann)
    assert response.status_code == 422 and "last_read_id" in response.json()["error"]
    saved = client.post("/api/v1/markers", data={"home[last_read_id]": "42"}, headers=ann).json()
    assert saved["home"]["last_read_id"] == "42" and saved["home"]["version"] == 0
    assert client.get("/api/v1/markers", headers=ann).json() == {}  # no timeline asked: nothing
    read_only = bearer(settings, "ben", scopes="read")
    response = client.post("/api/v1/notifications/clear", headers=read_only)
    assert response.status_code == 403
