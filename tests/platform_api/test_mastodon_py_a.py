"""Issue 3 part A through a real Mastodon client (Mastodon.py) against one real API server
(``agora serve api`` in a subprocess) for the whole module: profiles, follow lists, follow
requests, blocks and mutes and their effect on the home timeline, notifications and
markers, conversations, suggestions, reports and moderation by a CLI-made moderator."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from conftest import api_server, eventually
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError, MastodonUnauthorizedError
from PIL import Image

from agora import cli
from agora.processes import free_port
from agora.settings import reset_settings_cache

SCOPES = ["read", "write", "follow", "push"]
STAFF_SCOPES = [*SCOPES, "admin:read", "admin:write"]
PASSWORD = "correct horse battery"
_names = itertools.count()


@dataclass
class User:
    api: Mastodon
    id: str
    username: str
    email: str


@dataclass
class LiveServer:
    base: str
    home: Path
    env: dict
    _app: tuple[str, str] | None = field(default=None, repr=False)

    def app(self) -> tuple[str, str]:
        if self._app is None:
            self._app = Mastodon.create_app("agora-tests", scopes=STAFF_SCOPES, api_base_url=self.base)
        return self._app

    def client(self, access_token: str | None = None, **kwargs) -> Mastodon:
        client_id, client_secret = self.app()
        return Mastodon(client_id=client_id, client_secret=client_secret, access_token=access_token,
                        api_base_url=self.base, **kwargs)

    def register(self, prefix: str = "user") -> User:
        username = f"{prefix}{next(_names)}"
        api = self.client()
        api.create_account(username, PASSWORD, f"{username}@example.org", agreement=True, scopes=SCOPES)
        return User(api, str(api.me()["id"]), username, f"{username}@example.org")

    def log_in(self, email: str, scopes=SCOPES) -> Mastodon:
        api = self.client()
        api.log_in(email, PASSWORD, scopes=scopes, allow_http=True)
        return api

    def cli(self, *argv: str) -> int:
        """``agora …`` in this process, on the server's ``AGORA_HOME``."""
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AGORA_HOME", str(self.home))
            for var in ("AGORA_DATABASE_URL", "AGORA_REDIS_URL"):
                patch.delenv(var, raising=False)
            reset_settings_cache()
            try:
                return cli.main(list(argv))
            finally:
                reset_settings_cache()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    home = tmp_path_factory.mktemp("mastodon_py_a") / "agora_home"
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("AGORA_DATABASE_URL", "AGORA_REDIS_URL", "AGORA_MLFLOW_TRACKING_URI")}
    env.update(AGORA_HOME=str(home), AGORA_API_PORT=str(port), AGORA_SERVING_PORT=str(free_port()),
               AGORA_FEED_CACHE_SECONDS="0")
    with api_server(home, env) as base:
        yield LiveServer(base, home, env)


def home_ids(user: User) -> set[str]:
    return {str(s["id"]) for s in user.api.timeline_home(limit=40)}


def jpeg_with_exif() -> bytes:
    """600x300, left half red and right half blue, EXIF: camera make, GPS and orientation 6
    (display rotated 90° clockwise, so red ends up on top)."""
    image = Image.new("RGB", (600, 300), (255, 0, 0))
    image.paste((0, 0, 255), (300, 0, 600, 300))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}
    out = BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_profile_update_and_paginated_follow_lists(live):
    alice, bob, carol = live.register("alice"), live.register("bob"), live.register("carol")

    updated = alice.api.account_update_credentials(
        display_name="Alice <b>A</b>", note="Climbs & codes", bot=True, discoverable=False,
        avatar=jpeg_with_exif(), avatar_mime_type="image/jpeg")
    assert updated["display_name"] == "Alice <b>A</b>"   # plain text, as in Mastodon
    assert updated["note"] == "<p>Climbs &amp; codes</p>" and updated["source"]["note"] == "Climbs & codes"
    assert updated["bot"] is True and updated["discoverable"] is False
    served = httpx.get(updated["avatar"])
    assert served.status_code == 200 and updated["avatar"].startswith(f"{live.base}/media/")
    with Image.open(BytesIO(served.content)) as saved:
        assert saved.format == "JPEG" and saved.size == (400, 400)
        assert not saved.getexif() and "exif" not in saved.info
        top, bottom = saved.convert("RGB").getpixel((200, 40)), saved.convert("RGB").getpixel((200, 360))
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60  # turned upright first

    with pytest.raises(MastodonAPIError) as refused:
        alice.api.account_update_credentials(header=b"<svg onload=alert(1)>", header_mime_type="image/png")
    assert refused.value.args[1] == 422 and "not a supported image" in refused.value.args[-1]
    with pytest.raises(MastodonAPIError):
        alice.api.account_update_credentials(display_name="x" * 31)
    assert alice.api.me()["display_name"] == "Alice <b>A</b>"

    bob.api.account_follow(alice.id)
    carol.api.account_follow(alice.id)
    first = bob.api.account_followers(alice.id, limit=1)
    assert [a["username"] for a in first] == [carol.username]  # newest follow first
    second = bob.api.fetch_next(first)
    assert [a["username"] for a in second] == [bob.username]
    assert not bob.api.fetch_next(second)
    assert [a["username"] for a in alice.api.account_following(bob.id)] == [alice.username]
    assert alice.api.account_following(alice.id) == []


def test_locked_account_follow_requests(live):
    alice, bob, carol = live.register("locked"), live.register("fan"), live.register("stranger")
    alice.api.account_update_credentials(locked=True)

    assert bob.api.account_follow(alice.id)["requested"] is True
    assert carol.api.account_follow(alice.id)["requested"] is True
    assert {a["username"] for a in alice.api.follow_requests()} == {bob.username, carol.username}
    assert alice.api.me()["source"]["follow_requests_count"] == 2
    assert {n["type"] for n in alice.api.notifications()} == {"follow_request"}

    relationship = alice.api.follow_request_authorize(bob.id)
    assert relationship["followed_by"] is True
    assert bob.api.account_relationships(alice.id)[0]["following"] is True
    rejected = alice.api.follow_request_reject(carol.id)
    assert rejected["followed_by"] is False and rejected["requested_by"] is False
    assert carol.api.account_relationships(alice.id)[0]["requested"] is False
    assert alice.api.follow_requests() == []
    assert alice.api.notifications() == []  # answered requests take their notifications along
    assert [a["username"] for a in alice.api.account_followers(alice.id)] == [bob.username]
    with pytest.raises(MastodonNotFoundError):
        alice.api.follow_request_authorize(carol.id)


def test_blocks_and_mutes_shape_the_home_timeline(live):
    alice, bob = live.register("author"), live.register("reader")
    bob.api.account_follow(alice.id)
    alice.api.account_follow(bob.id)
    post = alice.api.status_post("hello readers")
    assert eventually(lambda: str(post["id"]) in home_ids(bob))

    muted = bob.api.account_mute(alice.id, notifications=False, duration=3600)
    assert muted["muting"] is True and muted["muting_notifications"] is False
    assert str(post["id"]) not in home_ids(bob)
    [listed] = bob.api.mutes()
    assert listed["username"] == alice.username and listed["mute_expires_at"] is not None
    bob.api.account_unmute(alice.id)
    assert str(post["id"]) in home_ids(bob) and bob.api.mutes() == []

    mine = bob.api.status_post("reply guy")
    assert eventually(lambda: str(mine["id"]) in home_ids(alice))
    blocked = alice.api.account_block(bob.id)
    assert blocked["blocking"] is True and blocked["following"] is False and blocked["followed_by"] is False
    assert str(mine["id"]) not in home_ids(alice)
    assert str(post["id"]) not in home_ids(bob)
    assert alice.api.me()["followers_count"] == 0 and alice.api.me()["following_count"] == 0
    assert [a["username"] for a in alice.api.blocks()] == [bob.username]
    with pytest.raises(MastodonAPIError):
        bob.api.account_follow(alice.id)  # blocked: 403
    alice.api.account_unblock(bob.id)
    assert alice.api.blocks() == []
    assert alice.api.account_relationships(bob.id)[0]["following"] is False  # unblocking restores nothing


def test_notifications_filters_dismiss_clear_and_markers(live):
    alice, bob, carol = live.register("notified"), live.register("fan"), live.register("mentioner")
    post = alice.api.status_post("notify me")
    bob.api.account_follow(alice.id)
    bob.api.status_favourite(post["id"])
    carol.api.status_post(f"hi @{alice.username}")

    everything = alice.api.notifications()
    assert [n["type"] for n in everything] == ["mention", "favourite", "follow"]
    assert everything[1]["status"]["id"] == post["id"] and everything[2].get("status") is None
    assert [n["type"] for n in alice.api.notifications(types=["follow", "favourite"])] == ["favourite", "follow"]
    assert [n["type"] for n in alice.api.notifications(exclude_types=["follow"])] == ["mention", "favourite"]
    assert [n["type"] for n in alice.api.notifications(account_id=bob.id)] == ["favourite", "follow"]
    page = alice.api.notifications(limit=1)
    assert [n["type"] for n in alice.api.fetch_next(page)] == ["favourite"]
    assert alice.api.notifications(id=everything[0]["id"])["type"] == "mention"

    assert alice.api.notifications_unread_count()["count"] == 3
    alice.api.markers_set(["notifications"], [everything[1]["id"]])
    assert alice.api.markers_get(["notifications"])["notifications"]["last_read_id"] == str(everything[1]["id"])
    assert alice.api.notifications_unread_count()["count"] == 1
    alice.api.markers_set(["notifications", "home"], [everything[0]["id"], post["id"]])
    markers = alice.api.markers_get(["home", "notifications"])
    assert markers["notifications"]["version"] == 1 and markers["home"]["last_read_id"] == str(post["id"])
    assert alice.api.notifications_unread_count()["count"] == 0

    alice.api.account_mute(carol.id)  # notifications hidden too (the default)
    assert [n["type"] for n in alice.api.notifications()] == ["favourite", "follow"]
    alice.api.account_unmute(carol.id)
    alice.api.notifications_dismiss(everything[1]["id"])
    assert [n["type"] for n in alice.api.notifications()] == ["mention", "follow"]
    with pytest.raises(MastodonNotFoundError):
        bob.api.notifications(id=everything[0]["id"])  # not bob's
    alice.api.notifications_clear()
    assert alice.api.notifications() == []


def test_direct_messages_and_group_chats(live):
    alice, bob, carol = live.register("dm"), live.register("dm"), live.register("dm")
    first = alice.api.status_post(f"@{bob.username} @{carol.username} group plans?", visibility="direct")

    [bobs] = bob.api.conversations()
    assert bobs["unread"] is True and bobs["last_status"]["id"] == first["id"]
    assert {a["username"] for a in bobs["accounts"]} == {alice.username, carol.username}
    [alices] = alice.api.conversations()
    assert alices["unread"] is False and {a["username"] for a in alices["accounts"]} == {bob.username, carol.username}
    assert str(first["id"]) not in home_ids(bob)  # direct messages stay out of home feeds

    assert bob.api.conversations_read(bobs["id"])["unread"] is False
    reply = bob.api.status_post(f"@{alice.username} @{carol.username} friday", visibility="direct",
                                in_reply_to_id=first["id"])
    [again] = alice.api.conversations()
    assert again["unread"] is True and again["last_status"]["id"] == reply["id"]

    carol_id = carol.api.conversations()[0]["id"]  # carol removes the thread; a new message brings it back
    httpx.delete(f"{live.base}/api/v1/conversations/{carol_id}",
                 headers={"Authorization": f"Bearer {carol.api.access_token}"}).raise_for_status()
    assert carol.api.conversations() == []
    alice.api.status_post(f"@{bob.username} @{carol.username} ok", visibility="direct", in_reply_to_id=reply["id"])
    assert len(carol.api.conversations()) == 1
    assert bob.api.conversations()[0]["id"] == bobs["id"]  # one thread, one conversation
    with pytest.raises(MastodonNotFoundError):
        carol.api.conversations_read(bobs["id"])  # bob's row, not carol's


def test_suggestions_friends_of_friends_then_most_followed(live):
    viewer, friend = live.register("viewer"), live.register("friend")
    fof, popular, muted, blocked, extra = (live.register(p) for p in ("fof", "popular", "muted", "blocked", "x"))
    viewer.api.account_follow(friend.id)
    for account in (fof, muted, blocked):
        friend.api.account_follow(account.id)
    viewer.api.account_mute(muted.id)
    viewer.api.account_block(blocked.id)
    for fan in (fof, muted, blocked, extra):  # not friend: popular is no friend of a friend
        fan.api.account_follow(popular.id)

    suggestions = viewer.api.suggestions_v2()
    names = [s["account"]["username"] for s in suggestions]
    assert names[0] == fof.username and suggestions[0]["sources"] == ["friends_of_friends"]
    assert suggestions[0]["source"] == "past_interactions"
    assert names[1] == popular.username and suggestions[1]["sources"] == ["most_followed"]
    assert not {viewer.username, friend.username, muted.username, blocked.username} & set(names)

    viewer.api.suggestion_delete(fof.id)
    assert fof.username not in [a["username"] for a in viewer.api.suggestions_v1()]


def test_reports_and_moderation_by_a_cli_moderator(live):
    reporter, spammer, bystander = live.register("reporter"), live.register("spammer"), live.register("bystander")
    assert live.cli("accounts", "create", "mod_a", "--email", "mod_a@example.org", "--password", PASSWORD,
                    "--role", "moderator") == 0
    moderator = live.log_in("mod_a@example.org", scopes=STAFF_SCOPES)
    bystander.api.account_follow(spammer.id)
    spam = spammer.api.status_post("buy now")
    assert eventually(lambda: str(spam["id"]) in home_ids(bystander))

    report = reporter.api.report(spammer.id, status_ids=[spam["id"]], comment="spam", category="spam")
    assert report["target_account"]["id"] == spammer.id and report["status_ids"] == [str(spam["id"])]
    with pytest.raises(MastodonAPIError) as forbidden:
        reporter.api.admin_reports()
    assert forbidden.value.args[1] == 403
    user_scoped = live.log_in("mod_a@example.org", scopes=SCOPES)  # a moderator without admin scopes
    with pytest.raises(MastodonAPIError):
        user_scoped.admin_reports()

    [listed] = moderator.admin_reports()
    assert listed["id"] == report["id"] and listed["statuses"][0]["id"] == spam["id"]
    assert listed["account"]["email"] == reporter.email and listed["target_account"]["username"] == spammer.username
    assert moderator.admin_report_assign(report["id"])["assigned_account"]["username"] == "mod_a"
    recategorised = httpx.put(f"{live.base}/api/v1/admin/reports/{report['id']}", data={"category": "other"},
                              headers={"Authorization": f"Bearer {moderator.access_token}"})
    assert recategorised.status_code == 200 and recategorised.json()["category"] == "other"

    moderator.admin_account_moderate(spammer.id, "suspend", report_id=report["id"], text="spam wave")
    assert moderator.admin_reports() == []
    [resolved] = moderator.admin_reports(resolved=True)
    assert resolved["action_taken"] is True and resolved["action_taken_by_account"]["username"] == "mod_a"
    state = moderator.admin_account(spammer.id)
    assert state["suspended"] is True and state["role"]["name"] == ""
    assert str(spam["id"]) not in home_ids(bystander)
    assert bystander.api.account_statuses(spammer.id) == []
    with pytest.raises(MastodonNotFoundError):
        bystander.api.status(spam["id"])
    with pytest.raises(MastodonUnauthorizedError):
        spammer.api.me()  # its token stops working
    assert spammer.username not in [s["account"]["username"] for s in bystander.api.suggestions_v2()]

    moderator.admin_account_unsuspend(spammer.id)
    assert str(spam["id"]) in home_ids(bystander) and spammer.api.me()["username"] == spammer.username
    moderator.admin_report_reopen(report["id"])
    assert [r["id"] for r in moderator.admin_reports()] == [report["id"]]
    moderator.admin_account_moderate(spammer.id, "silence")
    assert moderator.admin_account(spammer.id)["silenced"] is True
    assert moderator.admin_reports() == []  # any action but "none" resolves the open reports

    with pytest.raises(MastodonAPIError) as upward:
        moderator.admin_account_moderate(moderator.me()["id"], "suspend")
    assert upward.value.args[1] == 403
