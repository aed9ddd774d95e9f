"""A large synthetic world in minutes (``agora world generate --bulk``): ≥100k accounts and ≥500k
posts for the feed load benchmark, where ``GenerateWorld``'s per-row services would take hours.

Drawn vectorised with numpy (latent topic interests, a power-law follow graph in which active
viewers follow 100–500 accounts, topical posts with hashtags, sessions of impressions, clicks,
likes, hides and replies from the shared ground-truth model) and written with bulk SQL
(``repositories.bulk_rows``): the rows the services would write, each with its outbox event, so
``pipeline export`` → ``pipeline features`` → ``features materialize`` see the world the normal
way. Hybrid fan-out is precomputed: posts of accounts under ``fanout_threshold`` followers sit in
their followers' home-feed entries (the newest ``home_feed_cap`` per account, what a read can
reach); bigger accounts are pulled at read time as usual. Not written: notifications (no read
path of the feed uses them) and spam accounts. Deterministic for a seed, except the clock."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import select

from agora.events import EventType
from agora.settings import Settings
from agora.world_truth import like_probability
from platform_api.db import create_schema, get_engine
from platform_api.repositories.bulk_rows import bulk_connection, insert_rows
from platform_api.security import hash_password
from platform_api.services.post_status import status_created_payload
from platform_api.tables import (
    Account, FeedbackSignal, Favourite, Follow, HomeFeedEntry, OutboxEvent, ServedImpression, Status, StatusTag,
    Tag, User,
)
from platform_api.text import render_status
from platform_api.world.generate import ADJECTIVES, DEMO_PASSWORD, DEMO_USERNAME, NOUNS, WORLD_PASSWORD
from platform_api.world.topics import TEMPLATES, TOPICS

US = 1_000_000  # microseconds per second: timestamps are datetime64[us] arrays
#: The big tables whose plain indexes are rebuilt once after the load rather than row by row.
DEFERRED_INDEXES = ("home_feed_entries", "outbox_events", "follows", "served_impressions", "statuses",
                    "status_tags", "favourites")


@dataclass(frozen=True)
class BulkWorldConfig:
    users: int = 100_000
    seed: int = 7
    days: int = 14
    posts_per_user: float = 5.5
    follows_scale: float = 6.0        # ordinary accounts follow 2 + scale·Lomax(1.8) others (mean ≈ 9.5)
    active_share: float = 0.02        # the most active accounts (the bench's viewers) follow 100–500
    impressions_per_user: float = 6.0
    in_network_share: float = 0.7


@dataclass
class BulkWorld:
    """What was drawn, by row index (account ids are assigned at draw time)."""

    accounts: pd.DataFrame     # id, username, created_at, community, activity, active
    interests: np.ndarray      # accounts × topics
    follows: pd.DataFrame      # src, dst (account indices), at
    posts: pd.DataFrame        # id, author, topic, quality, created_at, text  (sorted by created_at)
    sessions: pd.DataFrame     # viewer, post, at, liked, clicked, hidden
    replies: pd.DataFrame      # id, author, parent (post index), created_at, text


@dataclass
class BulkWorldSummary:
    accounts: int
    follows: int
    statuses: int
    engagements: int
    home_feed_entries: int
    outbox_events: int
    seconds: float


def snowflake_ids(at: np.ndarray) -> np.ndarray:
    """``ids.snowflake_id`` over an array of datetime64[us]: milliseconds in the high bits, the row
    index in the low 16 (bumped where two rows would collide)."""
    ids = (at.astype("datetime64[ms]").astype(np.int64) << 16) | (np.arange(len(at), dtype=np.int64) & 0xFFFF)
    while True:
        _, first = np.unique(ids, return_index=True)
        if len(first) == len(ids):
            return ids
        repeat = np.setdiff1d(np.arange(len(ids)), first)
        ids[repeat] += 1


def _datetimes(values) -> np.ndarray:
    """Timestamps as datetime64[us] of naive UTC, the form ``bulk_rows.insert_rows`` takes."""
    return np.asarray(values).astype("datetime64[us]")


def _rank_in_runs(keys: np.ndarray) -> np.ndarray:
    """Each element's position within its run of equal consecutive ``keys`` (0, 1, 2, … per run)."""
    position = np.arange(len(keys))
    starts = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, bool)
    return position - np.maximum.accumulate(np.where(starts, position, 0))


def _csr(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row order grouped by ``keys`` and each key's (start, count) in it."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=size)
    return order, np.concatenate([[0], np.cumsum(counts)[:-1]]), counts


class DrawBulkWorld:
    """Draw a world of ``config.users`` accounts, vectorised."""

    def __init__(self, config: BulkWorldConfig, now: datetime):
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self.topics = list(TOPICS)
        self.now = np.datetime64(now.astimezone(UTC).replace(tzinfo=None), "us")
        self.start = self.now - np.timedelta64(config.days * 86400 * US, "us")

    def __call__(self) -> BulkWorld:
        accounts, interests = self._accounts()
        follows = self._follows(accounts)
        posts = self._posts(accounts, interests)
        sessions = self._sessions(accounts, interests, follows, posts)
        replies = self._replies(sessions, posts)
        return BulkWorld(accounts, interests, follows, posts, sessions, replies)

    def _seconds(self, seconds: np.ndarray) -> np.ndarray:
        return (np.asarray(seconds) * US).astype("timedelta64[us]")

    def _accounts(self) -> tuple[pd.DataFrame, np.ndarray]:
        n, rng = self.config.users, self.rng
        interests = rng.dirichlet(np.full(len(self.topics), 0.25), size=n)
        activity = rng.lognormal(0.0, 0.8, size=n)
        active = np.zeros(n, dtype=bool)
        active[np.argsort(-activity)[:max(1, int(n * self.config.active_share))]] = True
        # Whole days back, as GenerateWorld does (one lake hour per day, not thousands), within the hour.
        created = self.start - self._seconds(rng.integers(1, 400, size=n) * 86400 - rng.uniform(0, 3600, size=n))
        names = [DEMO_USERNAME] + [f"{ADJECTIVES[i % 16]}_{NOUNS[(i // 16) % 16]}{i}" for i in range(1, n)]
        return pd.DataFrame({"id": snowflake_ids(created), "username": names, "created_at": created,
                             "community": interests.argmax(axis=1), "activity": activity, "active": active,
                             "popularity": rng.pareto(1.2, size=n) + 1.0}), interests

    def _follows(self, accounts: pd.DataFrame) -> pd.DataFrame:
        """Out-degree is Lomax-tailed (most follow a handful; active viewers 100–500); targets are
        drawn by popularity (Pareto, so a few accounts gather most followers), 60% of them inside
        the follower's own community."""
        rng, n = self.rng, len(accounts)
        degree = np.minimum(2 + np.round(self.config.follows_scale * rng.pareto(1.8, size=n)), 500).astype(np.int64)
        active = accounts.active.to_numpy()
        degree[active] = rng.integers(100, 501, size=int(active.sum()))
        degree = np.minimum(degree, n - 1)
        src = np.repeat(np.arange(n), 2 * degree)  # twice over: popular targets repeat, and repeats drop
        dst = np.empty(len(src), dtype=np.int64)
        popularity, community = accounts.popularity.to_numpy(), accounts.community.to_numpy()
        inside = rng.random(len(src)) < 0.6
        dst[~inside] = self._by_weight(np.arange(n), popularity, int((~inside).sum()))
        for c in np.unique(community):
            members = np.flatnonzero(community == c)
            pick = inside & (community[src] == c)
            dst[pick] = self._by_weight(members, popularity[members], int(pick.sum()))
        keep = src != dst
        src, dst = src[keep], dst[keep]
        _, first = np.unique(src * n + dst, return_index=True)
        first.sort()
        first = first[_rank_in_runs(src[first]) < degree[src[first]]]
        at = self.start + self._seconds(rng.uniform(0, 3 * 86400, size=len(first)))
        return pd.DataFrame({"src": src[first], "dst": dst[first], "at": at})

    def _by_weight(self, items: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
        cdf = np.cumsum(weights) / weights.sum()
        return items[np.minimum(np.searchsorted(cdf, self.rng.random(size)), len(items) - 1)]

    def _posts(self, accounts: pd.DataFrame, interests: np.ndarray) -> pd.DataFrame:
        rng = self.rng
        total = int(len(accounts) * self.config.posts_per_user)
        activity = accounts.activity.to_numpy()
        author = rng.choice(len(accounts), size=total, p=activity / activity.sum())
        cumulative = np.cumsum(interests, axis=1)
        topic = np.minimum((cumulative[author] < rng.random(total)[:, None]).sum(axis=1), len(self.topics) - 1)
        span = (self.now - self.start) / np.timedelta64(1, "s") - 3600
        created = np.sort(self.start + self._seconds(rng.uniform(0, span, size=total)))
        posts = pd.DataFrame({"id": snowflake_ids(created), "author": author, "topic": topic,
                              "quality": rng.beta(2, 3, size=total), "created_at": created})
        posts["text"] = self._texts(topic)
        return posts

    def _texts(self, topic: np.ndarray) -> list[str]:
        rng = self.rng
        picks = rng.random((len(topic), 4))
        templates = rng.integers(len(TEMPLATES), size=len(topic))
        numbers = rng.integers(1000, size=len(topic))
        texts = []
        for t, r, k, number in zip(topic.tolist(), picks.tolist(), templates.tolist(), numbers.tolist()):
            words, tags = TOPICS[self.topics[t]]["words"], TOPICS[self.topics[t]]["tags"]
            w = [words[int(x * len(words))] for x in r[:3]]
            first = int(r[3] * len(tags))
            texts.append(TEMPLATES[k].format(w1=w[0], w2=w[1], w3=w[2], tag=tags[first],
                                             tag2=tags[(first + 1) % len(tags)], n=number))
        return texts

    def _sessions(self, accounts: pd.DataFrame, interests: np.ndarray, follows: pd.DataFrame,
                  posts: pd.DataFrame) -> pd.DataFrame:
        """Impressions: ``in_network_share`` of a viewer's from followed accounts' posts, the rest
        from anywhere; each is liked, clicked, hidden by the ground-truth model."""
        rng, n, total = self.rng, len(accounts), len(posts)
        activity = accounts.activity.to_numpy()
        count = rng.poisson(self.config.impressions_per_user * activity / activity.mean())
        count[accounts.active.to_numpy()] *= 2
        viewer = np.repeat(np.arange(n), count)
        src, dst = follows.src.to_numpy(), follows.dst.to_numpy()
        by_follower, follow_start, out_degree = _csr(src, n)
        by_author, post_start, post_count = _csr(posts.author.to_numpy(), n)
        picks = rng.random((len(viewer), 2))
        followed = dst[by_follower[follow_start[viewer] + (picks[:, 0] * out_degree[viewer]).astype(np.int64)
                                   .clip(max=len(dst) - 1)]] if len(dst) else np.zeros(len(viewer), np.int64)
        in_network = (rng.random(len(viewer)) < self.config.in_network_share) & (out_degree[viewer] > 0) \
            & (post_count[followed] > 0)
        own = by_author[(post_start[followed] + (picks[:, 1] * post_count[followed]).astype(np.int64))
                        .clip(max=total - 1)]
        post = np.where(in_network, own, rng.integers(0, total, size=len(viewer)))
        author = posts.author.to_numpy()[post]
        keep = author != viewer
        viewer, post, author = viewer[keep], post[keep], author[keep]
        _, first = np.unique(viewer * total + post, return_index=True)
        viewer, post, author = viewer[first], post[first], author[first]
        at = posts.created_at.to_numpy()[post] + self._seconds(rng.exponential(6 * 3600, size=len(post)))
        keep = at < self.now - self._seconds(np.array(120))
        viewer, post, author, at = viewer[keep], post[keep], author[keep], at[keep]
        follow_keys = np.sort(src * n + dst)
        ties = np.isin(viewer * n + author, follow_keys, assume_unique=False).astype(float)
        p_like = like_probability(interests[viewer, posts.topic.to_numpy()[post]], posts.quality.to_numpy()[post],
                                  ties, np.zeros(len(post)))
        draws = rng.random((len(post), 3))
        order = np.argsort(at, kind="stable")
        return pd.DataFrame({"viewer": viewer, "post": post, "at": at, "liked": draws[:, 0] < p_like,
                             "clicked": draws[:, 1] < p_like * 0.5,
                             "hidden": draws[:, 2] < (1 - p_like) * 0.03}).iloc[order].reset_index(drop=True)

    def _replies(self, sessions: pd.DataFrame, posts: pd.DataFrame) -> pd.DataFrame:
        rng = self.rng
        liked = sessions[sessions.liked.to_numpy() & (rng.random(len(sessions)) < 0.08)]
        at = liked["at"].to_numpy() + self._seconds(np.array(60))
        liked, at = liked[at < self.now], at[at < self.now]
        order = np.argsort(at, kind="stable")
        liked, at = liked.iloc[order], at[order]
        topics = posts.topic.to_numpy()[liked.post.to_numpy()]
        words = [TOPICS[self.topics[t]]["words"][int(r * len(TOPICS[self.topics[t]]["words"]))]
                 for t, r in zip(topics.tolist(), rng.random(len(topics)).tolist())]
        return pd.DataFrame({"id": snowflake_ids(at), "author": liked.viewer.to_numpy(),
                             "parent": liked.post.to_numpy(), "created_at": at,
                             "text": [f"Love this, especially the {w} part!" for w in words]})


class WriteBulkWorld:
    """Write a drawn world into the database of ``settings`` with bulk SQL, outbox included."""

    def __init__(self, settings: Settings, world: BulkWorld):
        self.settings = settings
        self.world = world
        self.counts: dict[str, int] = {}

    def __call__(self) -> dict[str, int]:
        w = self.world
        ids = w.accounts.id.to_numpy()
        with bulk_connection(get_engine(self.settings), DEFERRED_INDEXES) as connection:
            self.connection = connection
            self._accounts()
            self._follows(ids)
            self._statuses(ids)
            self._home_feeds(ids)
            self._engagements(ids)
        return self.counts

    def _insert(self, table, columns: dict) -> int:
        count = insert_rows(self.connection, table.__table__, columns)
        self.counts[table.__tablename__] = self.counts.get(table.__tablename__, 0) + count
        return count

    def _event(self, kind: EventType, count: int, **columns) -> None:
        self._insert(OutboxEvent, {"event_type": [str(kind)] * count, **columns})

    def _accounts(self) -> None:
        w = self.world
        accounts, n = w.accounts, len(w.accounts)
        statuses = np.concatenate([w.posts.author.to_numpy(), w.replies.author.to_numpy()])
        created = np.concatenate([w.posts.created_at.to_numpy(), w.replies.created_at.to_numpy()])
        last = pd.Series(created).groupby(statuses).max().reindex(range(n))
        names = accounts.username.tolist()
        topics = list(TOPICS)
        self._insert(Account, {
            "id": accounts.id.to_numpy(), "username": names,
            "display_name": [u.replace("_", " ").title() for u in names],
            "note": [f"Into #{topics[c]}" for c in accounts.community.tolist()],
            "created_at": _datetimes(accounts.created_at),
            "followers_count": np.bincount(w.follows.dst.to_numpy(), minlength=n),
            "following_count": np.bincount(w.follows.src.to_numpy(), minlength=n),
            "statuses_count": np.bincount(statuses, minlength=n),
            "last_status_at": _datetimes(last.to_numpy())})
        shared = hash_password(WORLD_PASSWORD)
        self._insert(User, {"account_id": accounts.id.to_numpy(), "email": [f"{u}@agora.example" for u in names],
                            "password_hash": [hash_password(DEMO_PASSWORD) if u == DEMO_USERNAME else shared
                                              for u in names],
                            "created_at": _datetimes(accounts.created_at)})
        self._event(EventType.ACCOUNT_CREATED, n, actor_id=accounts.id.to_numpy(),
                    occurred_at=_datetimes(accounts.created_at))

    def _follows(self, ids: np.ndarray) -> None:
        f = self.world.follows
        at = _datetimes(f["at"])
        self._insert(Follow, {"account_id": ids[f.src.to_numpy()], "target_account_id": ids[f.dst.to_numpy()],
                              "created_at": at})
        self._event(EventType.FOLLOWED, len(f), actor_id=ids[f.src.to_numpy()],
                    target_account_id=ids[f.dst.to_numpy()], occurred_at=at)

    def _statuses(self, ids: np.ndarray) -> None:
        posts, replies, sessions = self.world.posts, self.world.replies, self.world.sessions
        html = {t: render_status(t, self.settings.api_url) for t in set(posts.text)}  # templated: many repeats
        rendered = [html[t] for t in posts.text]
        post_ids, authors = posts.id.to_numpy(), ids[posts.author.to_numpy()]
        liked = sessions.post.to_numpy()[sessions.liked.to_numpy()]
        parents = replies.parent.to_numpy()
        created = _datetimes(posts.created_at)
        self._insert(Status, {
            "id": post_ids, "account_id": authors, "text": posts.text.tolist(), "content": [r.html for r in rendered],
            "visibility": ["public"] * len(posts), "language": ["en"] * len(posts), "created_at": created,
            "conversation_id": post_ids, "in_reply_to_id": [None] * len(posts),
            "in_reply_to_account_id": [None] * len(posts),
            "favourites_count": np.bincount(liked, minlength=len(posts)),
            "replies_count": np.bincount(parents, minlength=len(posts))})
        self._tags(post_ids, rendered)
        self._event(EventType.STATUS_CREATED, len(posts), actor_id=authors, status_id=post_ids, author_id=authors,
                    occurred_at=created, payload=[self._payload(t, r.tags, reply=False)
                                                  for t, r in zip(posts.text, rendered)])
        reply_ids, reply_authors = replies.id.to_numpy(), ids[replies.author.to_numpy()]
        reply_at = _datetimes(replies.created_at)
        self._insert(Status, {
            "id": reply_ids, "account_id": reply_authors, "text": replies.text.tolist(),
            "content": [render_status(t, self.settings.api_url).html for t in replies.text],
            "visibility": ["public"] * len(replies), "language": ["en"] * len(replies), "created_at": reply_at,
            "conversation_id": post_ids[parents], "in_reply_to_id": post_ids[parents],
            "in_reply_to_account_id": authors[parents],
            "favourites_count": [0] * len(replies), "replies_count": [0] * len(replies)})
        self._event(EventType.STATUS_CREATED, len(replies), actor_id=reply_authors, status_id=reply_ids,
                    author_id=reply_authors, occurred_at=reply_at,
                    payload=[self._payload(t, [], reply=True) for t in replies.text])
        self._event(EventType.REPLIED, len(replies), actor_id=reply_authors, status_id=post_ids[parents],
                    author_id=authors[parents], occurred_at=reply_at,
                    payload=[json.dumps({"reply_id": int(r)}, separators=(",", ":")) for r in reply_ids])

    @staticmethod
    def _payload(text: str, tags: list[str], *, reply: bool) -> str:
        return json.dumps(status_created_payload(tags=tags, visibility="public", reply=reply, text=text,
                                                 language="en"), separators=(",", ":"))

    def _tags(self, post_ids: np.ndarray, rendered) -> None:
        names = sorted({t for r in rendered for t in r.tags})
        self._insert(Tag, {"name": names})
        tag_ids = dict(self.connection.execute(select(Tag.name, Tag.id).where(Tag.name.in_(names))).all())
        pairs = sorted({(int(sid), tag_ids[t]) for sid, r in zip(post_ids, rendered) for t in r.tags})
        self._insert(StatusTag, {"status_id": [p[0] for p in pairs], "tag_id": [p[1] for p in pairs]})

    def _home_feeds(self, ids: np.ndarray) -> None:
        """What ``FanOutOnWrite`` would have pushed: each post of an account under the threshold,
        to the author and every follower; the newest ``home_feed_cap`` per account are kept."""
        w = self.world
        n = len(ids)
        followers = np.bincount(w.follows.dst.to_numpy(), minlength=n)
        by_followee, start, count = _csr(w.follows.dst.to_numpy(), n)
        follower_of = w.follows.src.to_numpy()[by_followee]
        author = w.posts.author.to_numpy()
        pushed = np.flatnonzero(followers[author] < self.settings.fanout_threshold)
        fan = count[author[pushed]]
        post = np.repeat(pushed, fan)
        offsets = np.arange(len(post)) - np.repeat(np.cumsum(fan) - fan, fan)
        account = follower_of[np.repeat(start[author[pushed]], fan) + offsets]
        post = np.concatenate([pushed, post])
        account = np.concatenate([author[pushed], account])
        order = np.lexsort((-post, account))          # per account, newest first
        post, account = post[order], account[order]
        keep = _rank_in_runs(account) < self.settings.home_feed_cap
        post, account = post[keep], account[keep]
        self._insert(HomeFeedEntry, {"account_id": ids[account], "status_id": w.posts.id.to_numpy()[post],
                                     "author_id": ids[author[post]]})

    def _engagements(self, ids: np.ndarray) -> None:
        w, s = self.world, self.world.sessions
        viewer, sid = ids[s.viewer.to_numpy()], w.posts.id.to_numpy()[s.post.to_numpy()]
        author = ids[w.posts.author.to_numpy()[s.post.to_numpy()]]
        at = s["at"].to_numpy()
        kinds = [(EventType.IMPRESSION, np.ones(len(s), bool), 0), (EventType.CLICKED, s.clicked.to_numpy(), 5),
                 (EventType.FAVOURITED, s.liked.to_numpy(), 20), (EventType.HIDDEN, s.hidden.to_numpy(), 10)]
        events = pd.concat([pd.DataFrame({"kind": str(kind), "viewer": viewer[mask], "status": sid[mask],
                                          "author": author[mask], "at": at[mask] + np.timedelta64(delay * US, "us")})
                            for kind, mask, delay in kinds]).sort_values("at", kind="stable")
        self._insert(OutboxEvent, {"event_type": events.kind.tolist(), "actor_id": events.viewer.to_numpy(),
                                   "status_id": events.status.to_numpy(), "author_id": events.author.to_numpy(),
                                   "occurred_at": _datetimes(events["at"])})
        self.counts["engagement_events"] = len(events)
        self._insert(ServedImpression, {"account_id": viewer, "status_id": sid, "served_at": _datetimes(at)})
        liked, hidden = s.liked.to_numpy(), s.hidden.to_numpy()
        self._insert(Favourite, {"account_id": viewer[liked], "status_id": sid[liked],
                                 "created_at": _datetimes(at[liked] + np.timedelta64(20 * US, "us"))})
        self._insert(FeedbackSignal, {"account_id": viewer[hidden], "author_id": author[hidden],
                                      "status_id": sid[hidden], "kind": ["hide"] * int(hidden.sum()),
                                      "created_at": _datetimes(at[hidden] + np.timedelta64(10 * US, "us"))})


class GenerateBulkWorld:
    """Draw, write and save the ground truth of a bulk world (the ``--bulk`` of ``agora world generate``)."""

    def __init__(self, settings: Settings, config: BulkWorldConfig):
        self.settings = settings
        self.config = config

    def __call__(self) -> BulkWorldSummary:
        began = datetime.now(UTC)
        create_schema(self.settings)
        world = DrawBulkWorld(self.config, began.replace(microsecond=0))()
        counts = WriteBulkWorld(self.settings, world)()
        self._save_ground_truth(world, began)
        return BulkWorldSummary(
            accounts=counts["accounts"], follows=counts["follows"], statuses=counts["statuses"],
            engagements=counts["engagement_events"], home_feed_entries=counts["home_feed_entries"],
            outbox_events=counts["outbox_events"], seconds=(datetime.now(UTC) - began).total_seconds())

    def _save_ground_truth(self, world: BulkWorld, now: datetime) -> None:
        """The files ``agora.world_truth`` reads, as ``GenerateWorld`` writes them."""
        out = self.settings.home / "world"
        out.mkdir(parents=True, exist_ok=True)
        ids = world.accounts.id.to_numpy()
        topics = list(TOPICS)
        users = pd.DataFrame({"account_id": ids, "username": world.accounts.username,
                              "community": world.accounts.community, "spam": False})
        for k, topic in enumerate(topics):
            users[f"interest_{topic}"] = world.interests[:, k]
        users.to_parquet(out / "users.parquet", index=False)
        posts = world.posts
        pd.DataFrame({"status_id": posts.id, "author_id": ids[posts.author.to_numpy()], "topic": posts.topic,
                      "quality": posts.quality, "spam": False,
                      "created_at": pd.to_datetime(posts.created_at).dt.tz_localize("UTC")}).to_parquet(
            out / "posts.parquet", index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
        pd.DataFrame({"account_id": ids[world.follows.src.to_numpy()],
                      "target_account_id": ids[world.follows.dst.to_numpy()]}).to_parquet(
            out / "follows.parquet", index=False)
        (out / "world.json").write_text(json.dumps({"users": len(ids), "seed": self.config.seed, "topics": topics,
                                                    "generated_at": now.isoformat(), "bulk": True}))
