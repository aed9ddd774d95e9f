"""Issue 3 part B through a real Mastodon client (Mastodon.py) against one real API server
(``agora serve api`` in a subprocess) for the whole module: media, replies and threads,
edits and deletes, reblogs, favourites, bookmarks and pins, idempotent posting, the public,
hashtag and home timelines with Link-header pagination (the home feed's hybrid fan-out both
ways), search, trends, stories, the streaming API (SSE through ``stream_user``, WebSocket)
and a visibility matrix over every read path.

The server runs with ``AGORA_FANOUT_THRESHOLD=3`` (an author with three followers is "big":
followers pull their posts at read time) and a 1-second stream heartbeat."""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from conftest import api_server, eventually, free_port
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError, StreamListener
from PIL import Image
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from platform_api.tables import Account, HomeFeedEntry, Status

SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "correct horse battery"
FANOUT_THRESHOLD = 3
MAX_MEDIA_BYTES = 2 * 1024 * 1024
_names = itertools.count()


@dataclass
class User:
    api: Mastodon
    id: str
    username: str
    token: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class LiveServer:
    base: str
    home: Path
    _app: tuple[str, str] | None = field(default=None, repr=False)

    def register(self, prefix: str = "user") -> User:
        if self._app is None:
            self._app = Mastodon.create_app("agora-tests-b", scopes=SCOPES, api_base_url=self.base)
        username = f"{prefix}{next(_names)}"
        api = Mastodon(client_id=self._app[0], client_secret=self._app[1], api_base_url=self.base)
        token = api.create_account(username, PASSWORD, f"{username}@example.org", agreement=True, scopes=SCOPES)
        return User(api, str(api.me()["id"]), username, token)

    def get(self, path: str, user: User | None = None, **params) -> httpx.Response:
        return httpx.get(self.base + path, params=params, headers=user.headers if user else {}, timeout=10)

    def post(self, path: str, user: User, **kw) -> httpx.Response:
        return httpx.post(self.base + path, headers=user.headers, timeout=10, **kw)

    def db(self) -> Session:
        """The server's own SQLite database, for arranging what no endpoint does (suspending,
        expiring a story) and for checking storage."""
        return Session(create_engine(f"sqlite:///{self.home / 'agora.db'}"))


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    home = tmp_path_factory.mktemp("mastodon_py_b") / "agora_home"
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("AGORA_DATABASE_URL", "AGORA_REDIS_URL", "AGORA_MLFLOW_TRACKING_URI")}
    env.update(AGORA_HOME=str(home), AGORA_API_PORT=str(port), AGORA_SERVING_PORT=str(free_port()),
               AGORA_FEED_CACHE_SECONDS="0", AGORA_FANOUT_THRESHOLD=str(FANOUT_THRESHOLD),
               AGORA_STREAM_HEARTBEAT_SECONDS="1", AGORA_RATE_LIMIT_REQUESTS="100000",
               AGORA_MAX_MEDIA_BYTES=str(MAX_MEDIA_BYTES))
    home.mkdir(parents=True)
    with api_server(home, env) as base:
        yield LiveServer(base, home)


def ids(statuses) -> list[str]:
    return [str(s["id"]) for s in statuses]


def jpeg(color=(200, 30, 30), size=(900, 600), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, color)
    out = BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "SecretCam"
        tags[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}
        image.save(out, "JPEG", exif=tags.tobytes())
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def chronological_home(live: LiveServer, user: User, **params) -> httpx.Response:
    return live.get("/api/v1/timelines/home", user, order="chronological", **params)


# --- statuses ---------------------------------------------------------------------------

def test_media_post_reply_context_edit_history_and_delete(live):
    alice, bob = live.register("alice"), live.register("bob")
    bob.api.account_follow(alice.id)

    media = alice.api.media_post(jpeg(exif=True), mime_type="image/jpeg", description="a red field",
                                 focus=(0.5, -0.25))
    assert media["type"] == "image" and media["description"] == "a red field"
    assert media["meta"]["original"]["width"] == 900 and media["meta"]["small"]["width"] == 400
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25} and media["blurhash"]
    served = httpx.get(media["url"])
    assert served.status_code == 200 and b"SecretCam" not in served.content
    assert httpx.get(media["preview_url"]).status_code == 200

    post = alice.api.status_post("Field notes #fieldwork", media_ids=[media])
    assert [m["id"] for m in post["media_attachments"]] == [media["id"]]
    reply = bob.api.status_reply(post, "lovely colour")
    answer = alice.api.status_reply(reply, "thanks!")
    context = bob.api.status_context(reply)
    assert ids(context["ancestors"]) == [str(post["id"])] and ids(context["descendants"]) == [str(answer["id"])]
    assert ids(alice.api.status_context(post)["descendants"]) == [str(reply["id"]), str(answer["id"])]

    bob.api.status_favourite(post)
    edited = alice.api.status_update(post, "Field notes, revised #fieldwork #colour")
    assert edited["edited_at"] is not None and "revised" in edited["content"]
    assert sorted(t["name"] for t in edited["tags"]) == ["colour", "fieldwork"]
    history = alice.api.status_history(post)
    assert [("revised" in h["content"]) for h in history] == [False, True]
    assert alice.api.status_source(post)["text"] == "Field notes, revised #fieldwork #colour"
    assert eventually(lambda: any(n["type"] == "update" and str(n["status"]["id"]) == str(post["id"])
                                  for n in bob.api.notifications()))

    assert str(post["id"]) in ids(chronological_home(live, bob).json())
    deleted = alice.api.status_delete(post)
    assert deleted["text"] == "Field notes, revised #fieldwork #colour"
    with pytest.raises(MastodonNotFoundError):
        bob.api.status(post)
    assert str(post["id"]) not in ids(chronological_home(live, bob).json())
    assert str(post["id"]) not in ids(bob.api.timeline_hashtag("fieldwork"))
    # delete and redraft: the media are free to be attached again
    redraft = alice.api.status_post("Field notes (redraft)", media_ids=[media])
    assert [m["id"] for m in redraft["media_attachments"]] == [media["id"]]
    with pytest.raises(MastodonNotFoundError):
        bob.api.status_delete(redraft)  # not bob's to delete


def test_reblogs_favourites_bookmarks_and_pins(live):
    alice, bob, carol = live.register("alice"), live.register("bob"), live.register("carol")
    carol.api.account_follow(bob.id)
    post = alice.api.status_post("worth sharing")
    secret = alice.api.status_post("followers only", visibility="private")
    bob.api.account_follow(alice.id)

    reblog = bob.api.status_reblog(post)
    assert str(reblog["reblog"]["id"]) == str(post["id"]) and reblog["reblog"]["reblogs_count"] == 1
    assert bob.api.status_reblog(post)["id"] == reblog["id"]  # once only
    assert [a["username"] for a in alice.api.status_reblogged_by(post)] == [bob.username]
    assert eventually(lambda: str(reblog["id"]) in ids(chronological_home(live, carol).json()))
    assert eventually(lambda: any(n["type"] == "reblog" for n in alice.api.notifications()))
    with pytest.raises(MastodonAPIError) as refused:
        bob.api.status_reblog(secret)
    assert refused.value.args[1] == 403

    unreblogged = bob.api.status_unreblog(post)
    assert unreblogged["reblogs_count"] == 0 and unreblogged["reblogged"] is False
    assert str(reblog["id"]) not in ids(chronological_home(live, carol).json())

    liked = [alice.api.status_post(f"likeable {i}") for i in range(3)]
    for status in liked:
        bob.api.status_favourite(status)
        bob.api.status_bookmark(status)
    assert [a["username"] for a in alice.api.status_favourited_by(liked[0])] == [bob.username]
    first = bob.api.bookmarks(limit=2)
    assert ids(first) == [str(liked[2]["id"]), str(liked[1]["id"])]  # newest bookmark first
    second = bob.api.fetch_next(first)
    assert ids(second) == [str(liked[0]["id"])]
    assert ids(bob.api.fetch_previous(second)) == ids(first)
    favourites = bob.api.favourites(limit=2)
    assert ids(favourites) + ids(bob.api.fetch_next(favourites)) == ids(liked[::-1])
    bob.api.status_unbookmark(liked[1])
    assert ids(bob.api.bookmarks()) == [str(liked[2]["id"]), str(liked[0]["id"])]

    pinned = alice.api.status_pin(liked[0])
    assert pinned["pinned"] is True
    assert ids(alice.api.account_statuses(alice.id, pinned=True)) == [str(liked[0]["id"])]
    for not_pinnable, user in ((secret, alice), (liked[1], bob)):
        with pytest.raises(MastodonAPIError) as refused:
            user.api.status_pin(not_pinnable)
        assert refused.value.args[1] == 422
    assert alice.api.status_unpin(liked[0])["pinned"] is False


def test_idempotency_key_returns_the_same_status(live):
    alice = live.register("alice")
    first = alice.api.status_post("only once", idempotency_key="retry-123")
    again = alice.api.status_post("only once", idempotency_key="retry-123")
    assert again["id"] == first["id"]
    other = alice.api.status_post("only once", idempotency_key="retry-456")
    assert other["id"] != first["id"]
    assert ids(alice.api.account_statuses(alice.id)) == [str(other["id"]), str(first["id"])]
    bob = live.register("bob")  # keys are per account
    assert bob.api.status_post("only once", idempotency_key="retry-123")["id"] != first["id"]


# --- timelines --------------------------------------------------------------------------

def test_hashtag_and_public_timelines_paginate_by_link_header(live):
    alice = live.register("alice")
    tag = f"walk{next(_names)}"
    posted = [alice.api.status_post(f"step {i} #{tag}") for i in range(5)]
    alice.api.status_post(f"quiet #{tag}", visibility="unlisted")
    alice.api.status_post(f"inner circle #{tag}", visibility="private")
    newest_first = ids(posted[::-1])

    page = alice.api.timeline_hashtag(tag, limit=2)
    assert ids(page) == newest_first[:2]
    page2 = alice.api.fetch_next(page)
    page3 = alice.api.fetch_next(page2)
    assert ids(page2) == newest_first[2:4] and ids(page3) == newest_first[4:]
    assert alice.api.fetch_next(page3) is None or not alice.api.fetch_next(page3)
    assert ids(alice.api.fetch_previous(page3)) == newest_first[2:4]
    raw = live.get(f"/api/v1/timelines/tag/{tag}", limit=2)
    link = raw.headers["Link"]
    assert f"max_id={newest_first[1]}>; rel=\"next\"" in link and f"min_id={newest_first[0]}>; rel=\"prev\"" in link

    public = ids(alice.api.timeline_public(limit=40))
    assert set(newest_first) <= set(public)
    assert ids(alice.api.timeline_local(limit=40)) == public
    assert alice.api.timeline_public(remote=True) == []

    photo = alice.api.status_post(f"with a picture #{tag}", media_ids=[alice.api.media_post(jpeg(), "image/jpeg")])
    assert ids(alice.api.timeline_public(only_media=True, limit=40))[0] == str(photo["id"])
    both = live.get(f"/api/v1/timelines/tag/{tag}", **{"any[]": "nothere"}).json()
    assert len(both) == 6
    other = f"other{next(_names)}"
    mixed = alice.api.status_post(f"#{tag} and #{other}")
    assert ids(live.get(f"/api/v1/timelines/tag/{tag}", **{"all[]": other}).json()) == [str(mixed["id"])]
    assert str(mixed["id"]) not in ids(live.get(f"/api/v1/timelines/tag/{tag}", **{"none[]": other}).json())
    assert ids(live.get(f"/api/v1/timelines/tag/{other}", **{"any[]": tag}).json())[0] == str(mixed["id"])


def test_home_timeline_hybrid_fan_out_both_ways(live):
    viewer, small, big = live.register("viewer"), live.register("small"), live.register("big")
    for fan in [live.register("fan") for _ in range(FANOUT_THRESHOLD - 1)]:
        fan.api.account_follow(big.id)
    viewer.api.account_follow(small.id)
    viewer.api.account_follow(big.id)  # big now has FANOUT_THRESHOLD followers: pulled, not pushed
    posts = []
    for i in range(3):
        posts.append(small.api.status_post(f"small {i}"))
        posts.append(big.api.status_post(f"big {i}"))
    expected = ids(posts[::-1])

    def home_page() -> list[str]:
        return ids(chronological_home(live, viewer, limit=40).json())

    assert eventually(lambda: home_page()[:6] == expected)
    first = chronological_home(live, viewer, limit=4)
    assert ids(first.json()) == expected[:4] and first.headers["X-Agora-Ranking"] == "chronological"
    older = live.get("/api/v1/timelines/home", viewer, order="chronological", limit=4, max_id=expected[3])
    assert ids(older.json()) == expected[4:6]
    newer = live.get("/api/v1/timelines/home", viewer, order="chronological", limit=2, min_id=expected[4])
    assert ids(newer.json()) == expected[2:4]

    with live.db() as db:  # the small author's posts were pushed, the big author's were not
        pushed = set(db.scalars(select(HomeFeedEntry.status_id).where(
            HomeFeedEntry.account_id == int(viewer.id))))
    assert {int(p["id"]) for p in posts if p["account"]["username"] == small.username} <= pushed
    assert not {int(p["id"]) for p in posts if p["account"]["username"] == big.username} & pushed

    viewer.api.account_unfollow(big.id)
    assert not set(ids(posts[1::2])) & set(home_page())


def test_search_statuses_accounts_and_hashtags(live):
    alice, bob = live.register("searcher"), live.register("findme")
    word = f"zanzibar{next(_names)}"
    visible = bob.api.status_post(f"Trip to {word} #travelnotes")
    bob.api.status_post(f"secret {word} plans", visibility="private")
    bob.api.status_post(f"{word} for myself", visibility="direct")

    found = alice.api.search_v2(word, result_type="statuses")
    assert ids(found["statuses"]) == [str(visible["id"])]
    assert len(bob.api.search_v2(word, result_type="statuses")["statuses"]) == 3  # the author sees their own
    assert [a["username"] for a in alice.api.search_v2(bob.username, result_type="accounts")["accounts"]] == \
        [bob.username]
    assert "travelnotes" in [t["name"] for t in alice.api.search_v2("travel", result_type="hashtags")["hashtags"]]
    both = alice.api.search_v2(f"{word} trip")
    assert ids(both["statuses"]) == [str(visible["id"])]

    bob.api.status_update(visible, "Changed my mind about the destination")
    assert alice.api.search_v2(word, result_type="statuses")["statuses"] == []
    assert ids(alice.api.search_v2("destination", result_type="statuses")["statuses"]) == [str(visible["id"])]
    bob.api.status_delete(visible)
    assert alice.api.search_v2("destination", result_type="statuses")["statuses"] == []


def test_trends(live):
    tag = f"trending{next(_names)}"
    people = [live.register("trender") for _ in range(3)]
    posts = [p.api.status_post(f"all about #{tag}") for p in people]
    for p in people[1:]:
        p.api.status_favourite(posts[0])
        p.api.status_reblog(posts[0])
    tags = people[0].api.trending_tags(limit=20)
    ours = next(t for t in tags if t["name"] == tag)
    assert len(ours["history"]) == 7 and ours["history"][0]["uses"] == "3" and ours["history"][0]["accounts"] == "3"
    days = [h["day"] for h in ours["history"]]  # Mastodon.py turns the unix-time strings into datetimes
    assert days == sorted(days, reverse=True) and days[0] - days[1] == timedelta(days=1)
    raw = live.get("/api/v1/trends/tags", limit=20).json()
    assert next(t for t in raw if t["name"] == tag)["history"][0]["day"].isdigit()
    statuses = people[0].api.trending_statuses()
    assert str(posts[0]["id"]) == str(statuses[0]["id"])
    assert people[0].api.trending_links() == []


# --- media and stories ------------------------------------------------------------------

def test_video_is_processed_in_the_background_and_limits_are_clear(live):
    alice = live.register("alice")
    video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(2048)
    uploaded = alice.api.media_post(video, mime_type="video/mp4")
    assert uploaded["type"] == "video" and uploaded["url"] is None
    ready = eventually(lambda: (m := alice.api.media(uploaded))["url"] and m)
    assert ready["preview_url"] and ready["blurhash"]
    assert alice.api.status_post("a clip", media_ids=[ready])["media_attachments"][0]["type"] == "video"

    updated = alice.api.media_update(alice.api.media_post(jpeg(), "image/jpeg"), description="alt text")
    assert updated["description"] == "alt text"
    for payload, mime, status, words in (
            (bytes(MAX_MEDIA_BYTES + 1), "image/png", 413, "too large"),
            (b"GIF89a not really", "image/gif", 422, "not a supported image"),
            (jpeg(), "image/png", 422, "sent as image/png")):
        with pytest.raises(MastodonAPIError) as refused:
            alice.api.media_post(payload, mime_type=mime)
        assert refused.value.args[1] == status and words in refused.value.args[-1]


def test_stories_reach_followers_for_a_day(live):
    alice, follower, stranger = live.register("storyteller"), live.register("follower"), live.register("stranger")
    follower.api.account_follow(alice.id)
    media = alice.api.media_post(jpeg(color=(0, 90, 200)), "image/jpeg")
    posted = live.post("/api/v1/agora/stories", alice, data={"status": "today", "media_ids[]": str(media["id"])})
    assert posted.status_code == 200, posted.text
    story = posted.json()
    assert story["agora"]["story"] is True and story["visibility"] == "private"
    assert live.post("/api/v1/agora/stories", alice, data={"status": "no media"}).status_code == 422

    assert ids(live.get("/api/v1/agora/stories", follower).json()) == [str(story["id"])]
    assert live.get("/api/v1/agora/stories", stranger).json() == []
    assert str(story["id"]) not in ids(chronological_home(live, follower).json())
    assert follower.api.status(story["id"])["id"] == story["id"]

    with live.db() as db:
        db.execute(update(Status).where(Status.id == int(story["id"]))
                   .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.commit()
    assert live.get("/api/v1/agora/stories", follower).json() == []
    with pytest.raises(MastodonNotFoundError):
        follower.api.status(story["id"])
    assert str(story["id"]) not in ids(alice.api.account_statuses(alice.id))


# --- streaming --------------------------------------------------------------------------

class Collector(StreamListener):
    def __init__(self):
        self.events: list[tuple[str, object]] = []
        self.heartbeats = 0

    def on_update(self, status):
        self.events.append(("update", status))

    def on_notification(self, notification):
        self.events.append(("notification", notification))

    def on_delete(self, status_id):
        self.events.append(("delete", status_id))

    def on_status_update(self, status):
        self.events.append(("status.update", status))

    def on_conversation(self, conversation):
        self.events.append(("conversation", conversation))

    def handle_heartbeat(self):
        self.heartbeats += 1

    def of(self, kind: str) -> list:
        return [payload for name, payload in self.events if name == kind]


def wait_online(live: LiveServer, asker: User, user: User) -> None:
    assert eventually(lambda: live.get("/api/v1/agora/presence", asker, **{"id[]": user.id}).json()[0]["online"])


def test_stream_user_receives_updates_notifications_edits_and_deletes(live):
    alice, bob, carol = live.register("listener"), live.register("poster"), live.register("outsider")
    alice.api.account_follow(bob.id)
    listener = Collector()
    handle = alice.api.stream_user(listener, run_async=True)
    try:
        wait_online(live, bob, alice)
        post = bob.api.status_post("hello, stream")
        carol.api.status_post("nobody follows me")
        bob.api.status_post("for my followers", visibility="private")
        assert eventually(lambda: len(listener.of("update")) == 2)
        assert [s["content"] for s in listener.of("update")] == ["<p>hello, stream</p>", "<p>for my followers</p>"]

        mine = alice.api.status_post("like me")
        bob.api.status_favourite(mine)
        assert eventually(lambda: listener.of("notification"))
        notification = listener.of("notification")[0]
        assert notification["type"] == "favourite" and notification["account"]["username"] == bob.username
        assert str(notification["status"]["id"]) == str(mine["id"])

        bob.api.status_update(post, "hello, edited stream")
        assert eventually(lambda: listener.of("status.update"))
        assert "edited" in listener.of("status.update")[0]["content"]
        bob.api.status_delete(post)
        assert eventually(lambda: str(post["id"]) in [str(i) for i in listener.of("delete")])
        assert eventually(lambda: listener.heartbeats >= 2, timeout=4)
    finally:
        handle.close()
    assert eventually(lambda: not live.get("/api/v1/agora/presence", bob, **{"id[]": alice.id}).json()[0]["online"])
    assert live.get("/api/v1/streaming/health").text == "OK"


def test_public_hashtag_and_direct_streams(live):
    alice, bob = live.register("watcher"), live.register("talker")
    tag = f"live{next(_names)}"
    public, hashtag, direct = Collector(), Collector(), Collector()
    handles = [alice.api.stream_public(public, run_async=True),
               alice.api.stream_hashtag(tag, hashtag, run_async=True),
               alice.api.stream_direct(direct, run_async=True)]
    try:
        time.sleep(0.5)
        wait_online(live, bob, alice)
        tagged = bob.api.status_post(f"now #{tag}")
        bob.api.status_post(f"quietly #{tag}", visibility="unlisted")
        dm = bob.api.status_post(f"@{alice.username} psst", visibility="direct")
        assert eventually(lambda: ids(hashtag.of("update")) == [str(tagged["id"])])
        assert str(tagged["id"]) in ids(public.of("update"))
        assert eventually(lambda: direct.of("conversation"))
        assert str(direct.of("conversation")[0]["last_status"]["id"]) == str(dm["id"])
        assert str(dm["id"]) not in ids(public.of("update"))
    finally:
        for handle in handles:
            handle.close()


def test_websocket_multiplexes_subscriptions(live):
    from websockets.sync.client import connect

    alice, bob = live.register("socket"), live.register("sender")
    alice.api.account_follow(bob.id)
    tag = f"ws{next(_names)}"
    url = live.base.replace("http", "ws", 1) + f"/api/v1/streaming?access_token={alice.token}&stream=user"
    with connect(url) as socket:
        socket.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": tag}))
        socket.send(json.dumps({"type": "subscribe", "stream": "nonsense"}))
        error = json.loads(socket.recv(timeout=5))
        assert error["status"] == 400 and "error" in error
        wait_online(live, bob, alice)
        posted = bob.api.status_post(f"over the socket #{tag}")
        received = [json.loads(socket.recv(timeout=5)) for _ in range(2)]
        streams = sorted(tuple(m["stream"]) for m in received)
        assert streams == [("hashtag", tag), ("user",)]
        assert all(m["event"] == "update" and json.loads(m["payload"])["id"] == str(posted["id"]) for m in received)

        socket.send(json.dumps({"type": "unsubscribe", "stream": "hashtag", "tag": tag}))
        time.sleep(0.3)
        again = bob.api.status_post(f"only the user stream now #{tag}")
        message = json.loads(socket.recv(timeout=5))
        assert message["stream"] == ["user"] and json.loads(message["payload"])["id"] == str(again["id"])
    with pytest.raises(Exception):
        with connect(live.base.replace("http", "ws", 1) + "/api/v1/streaming?access_token=wrong&stream=user") as bad:
            bad.recv(timeout=5)


# --- who sees what ----------------------------------------------------------------------

class Matrix:
    """Every read path, as one viewer."""

    def __init__(self, live: LiveServer, viewer: User):
        self.live, self.viewer = live, viewer

    def everywhere(self, author: User, word: str) -> dict[str, set[str]]:
        api = self.viewer.api
        return {
            "home": set(ids(chronological_home(self.live, self.viewer, limit=40).json())),
            "public": set(ids(api.timeline_public(limit=40))),
            "tag": set(ids(api.timeline_hashtag("matrix", limit=40))),
            "search": set(ids(api.search_v2(word, result_type="statuses")["statuses"])),
            "profile": set(ids(self.live.get(f"/api/v1/accounts/{author.id}/statuses", self.viewer).json())),
        }


def test_visibility_matrix_across_read_paths(live):
    author, follower, mentioned, stranger, blocker = (live.register(n) for n in
                                                     ("author", "follower", "mentioned", "stranger", "blocker"))
    follower.api.account_follow(author.id)
    blocker.api.account_follow(author.id)
    word = f"matrixword{next(_names)}"
    streams = {}
    for viewer in (follower, mentioned, stranger, blocker):
        streams[viewer.username] = (Collector(), None)
        streams[viewer.username] = (streams[viewer.username][0],
                                    viewer.api.stream_user(streams[viewer.username][0], run_async=True))
    publics = {}
    for viewer in (stranger, blocker):
        publics[viewer.username] = Collector()
        streams[f"public-{viewer.username}"] = (publics[viewer.username],
                                                viewer.api.stream_public(publics[viewer.username], run_async=True))
    try:
        for viewer in (follower, mentioned, stranger, blocker):
            wait_online(live, author, viewer)
        blocker.api.account_block(author.id)
        root = stranger.api.status_post("a public root")
        posts = {
            "public": author.api.status_post(f"{word} open #matrix"),
            "private": author.api.status_post(f"{word} followers #matrix", visibility="private"),
            "direct": author.api.status_post(f"{word} @{mentioned.username} only #matrix", visibility="direct"),
            "reply": author.api.status_post(f"{word} answering #matrix", in_reply_to_id=root["id"]),
        }
        expected = {  # which viewers may see which post, on any read path that carries it
            follower.username: {"public", "private", "reply"},
            mentioned.username: {"public", "direct", "reply"},
            stranger.username: {"public", "reply"},
            blocker.username: set(),
        }
        time.sleep(1.0)  # let fan-out and streams settle before looking
        for viewer in (follower, mentioned, stranger, blocker):
            allowed = {str(posts[k]["id"]) for k in expected[viewer.username]}
            forbidden = {str(p["id"]) for p in posts.values()} - allowed
            seen = Matrix(live, viewer).everywhere(author, word)
            for path, found in seen.items():
                assert not found & forbidden, (viewer.username, path)
            context = set()
            try:
                context = set(ids(viewer.api.status_context(root)["descendants"]))
            except MastodonNotFoundError:
                pass
            assert not context & forbidden, viewer.username
            for key, status in posts.items():
                if key in expected[viewer.username]:
                    assert str(viewer.api.status(status["id"])["id"]) == str(status["id"])
                else:
                    with pytest.raises(MastodonNotFoundError):
                        viewer.api.status(status["id"])
            streamed = set(ids(streams[viewer.username][0].of("update")))
            assert not streamed & forbidden, viewer.username
        assert set(ids(streams[follower.username][0].of("update"))) >= {str(posts[k]["id"])
                                                                         for k in ("public", "private", "reply")}
        assert str(posts["public"]["id"]) in ids(publics[stranger.username].of("update"))
        assert not set(ids(publics[blocker.username].of("update"))) & {str(p["id"]) for p in posts.values()}

        with live.db() as db:  # suspend the author: gone from every path for everyone
            db.execute(update(Account).where(Account.id == int(author.id)).values(suspended_at=datetime.now(UTC)))
            db.commit()
        for viewer in (follower, mentioned, stranger):
            seen = Matrix(live, viewer).everywhere(author, word)
            assert not set().union(*seen.values()) & {str(p["id"]) for p in posts.values()}, viewer.username
    finally:
        for _, handle in streams.values():
            handle.close()
