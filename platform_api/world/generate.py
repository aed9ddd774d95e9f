"""The synthetic world: accounts with latent topic interests, a power-law follow graph
with communities, topical posts, and impressions/engagements drawn from a known
ground-truth preference model (saved beside the data so rankers can be scored against it).

Everything is written through the API's service layer, so every interaction lands in the
outbox like real traffic. Deterministic for a seed (content, graph and engagements)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session
from tqdm import tqdm

from agora.events import EventType
from agora.settings import Settings
from agora.world_truth import like_probability
from platform_api.db import create_schema, session_scope
from platform_api.schemas import StatusCreate
from platform_api.security import hash_password
from platform_api.services.follow_account import UnfollowAccount
from platform_api.services.import_follows import ImportFollows
from platform_api.services.import_statuses import ImportedStatus, ImportStatuses
from platform_api.services.post_status import PostStatus
from platform_api.services.record_engagements import Engagement, RecordEngagements
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account
from platform_api.world.topics import SPAM_TEMPLATES, TEMPLATES, TOPICS

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"
WORLD_PASSWORD = "world-password"
ADJECTIVES = ["quiet", "brave", "sunny", "lucky", "rapid", "mellow", "bold", "witty", "calm", "keen",
              "merry", "noble", "swift", "vivid", "zesty", "cosmic"]
NOUNS = ["otter", "falcon", "maple", "comet", "harbor", "willow", "pixel", "canyon", "ember", "lynx",
         "meadow", "orbit", "quartz", "river", "tundra", "koala"]


@dataclass(frozen=True)
class WorldConfig:
    users: int = 1000
    seed: int = 7
    days: int = 14
    posts_per_user: float = 2.0
    follows_per_user: float = 20.0
    impressions_per_user: float = 40.0
    spam_fraction: float = 0.01
    demo_follows: int = 80


@dataclass
class WorldSummary:
    accounts: int
    follows: int
    statuses: int
    engagements: int
    seconds: float


class GenerateWorld:
    """Build a world of ``config.users`` accounts into the database of ``settings``."""

    def __init__(self, settings: Settings, config: WorldConfig):
        self.settings = settings
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        # Spam behaviour draws from its own stream so the rest of the world stays as it was.
        self.spam_rng = np.random.default_rng([config.seed, 1])
        self.topics = list(TOPICS)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.start = self.now - timedelta(days=config.days)

    def __call__(self) -> WorldSummary:
        began = datetime.now(UTC)
        create_schema(self.settings)
        users = self._draw_users()
        edges = self._draw_follows(users)
        edges = self._disguise_spammers(users, edges)
        with session_scope(self.settings) as session:
            ids = self._create_accounts(session, users)
        users["account_id"] = users["username"].map(ids)
        with session_scope(self.settings) as session:
            follows = ImportFollows(session)([(int(users.account_id[a]), int(users.account_id[b]), t)
                                              for a, b, t in edges])
        posts = self._draw_posts(users)
        self._blur_texts(users, posts)
        self._create_posts(users, posts)
        self._churn_follows(users, edges)
        engagements = self._simulate_sessions(users, posts, edges)
        self._save_ground_truth(users, posts, edges)
        seconds = (datetime.now(UTC) - began).total_seconds()
        return WorldSummary(len(users), follows, len(posts) + engagements[1], engagements[0], seconds)

    # -- population --------------------------------------------------------------------------
    def _draw_users(self) -> pd.DataFrame:
        n, k, rng = self.config.users, len(self.topics), self.rng
        interests = rng.dirichlet(np.full(k, 0.25), size=n)
        interests[0] = rng.dirichlet(np.full(k, 1.0))  # the demo user has broad tastes
        names = [DEMO_USERNAME] + [f"{ADJECTIVES[i % 16]}_{NOUNS[(i // 16) % 16]}{i}" for i in range(1, n)]
        spam = rng.random(n) < self.config.spam_fraction
        spam[0] = False
        return pd.DataFrame({
            "username": names,
            "community": interests.argmax(axis=1),
            "interests": list(interests),
            "activity": rng.lognormal(0.0, 0.6, size=n),
            "popularity": rng.pareto(1.6, size=n) + 1.0,
            "spam": spam,
            "created_at": [self.start - timedelta(days=int(d)) for d in rng.integers(1, 400, size=n)],
        })

    def _draw_follows(self, users: pd.DataFrame) -> list[tuple[int, int, datetime]]:
        rng, n = self.rng, len(users)
        community = users.community.to_numpy()
        popularity = users.popularity.to_numpy()
        interests = np.stack(users.interests.to_numpy())
        edges = []
        for u in range(n):
            if users.spam[u]:  # spammers follow many at random (follow churn)
                count = int(rng.integers(100, 300))
                weights = np.ones(n)
            else:
                count = self.config.demo_follows if u == 0 else \
                    max(1, int(rng.poisson(self.config.follows_per_user * users.activity[u])))
                weights = popularity * (0.3 + interests @ interests[u]) * np.where(community == community[u], 4, 1)
            weights = weights.copy()
            weights[u] = 0
            targets = rng.choice(n, size=min(count, n - 1), replace=False, p=weights / weights.sum())
            for t in targets:
                edges.append((u, int(t), self.start + timedelta(seconds=float(rng.uniform(0, 3 * 86400)))))
        return edges

    def _disguise_spammers(self, users: pd.DataFrame, edges: list) -> list:
        """Spammers are not all alike, so no single signal gives them away: each has a ``skill``
        in [0, 1]. Clumsy ones run fresh accounts, mass-follow and churn, @mention strangers and
        re-post the same ad; skilled ones use aged (bought) accounts, keep only part of their
        follows and hide ads among ordinary-looking posts. Normal accounts are left as drawn."""
        rng = self.spam_rng
        spam = users.spam.to_numpy()
        skill = np.where(spam, rng.uniform(0.0, 1.0, size=len(users)), 0.0)
        fresh = spam & (rng.random(len(users)) < 0.8 * (1 - skill))
        users.loc[fresh, "created_at"] = [self.start - timedelta(days=float(d))
                                          for d in rng.uniform(0, 10, size=int(fresh.sum()))]
        users["spam_skill"] = skill
        users["spam_keep_share"] = np.where(skill > 0.5, rng.uniform(0.1, 0.4, size=len(users)), 1.0)
        users["promoter"] = ~spam & (rng.random(len(users)) < 0.04)  # brands and bloggers: links, legit
        return [e for e in edges if not spam[e[0]] or rng.random() < users.spam_keep_share[e[0]]]

    def _create_accounts(self, session: Session, users: pd.DataFrame) -> dict[str, int]:
        register = RegisterAccount(session)
        shared_hash = hash_password(WORLD_PASSWORD)
        ids = {}
        for row in tqdm(users.itertuples(), total=len(users), desc="accounts", unit="acct"):
            demo = row.username == DEMO_USERNAME
            account = register(username=row.username, email=f"{row.username}@agora.example",
                               password=DEMO_PASSWORD if demo else WORLD_PASSWORD,
                               password_hash=None if demo else shared_hash,
                               display_name=row.username.replace("_", " ").title(),
                               note=f"Into #{self.topics[row.community]}", created_at=row.created_at)
            ids[row.username] = account.id
        return ids

    # -- content -------------------------------------------------------------------------------
    def _draw_posts(self, users: pd.DataFrame) -> pd.DataFrame:
        rng = self.rng
        rows = []
        span = (self.now - self.start).total_seconds() - 3600
        for u, row in enumerate(users.itertuples()):
            count = int(rng.poisson(self.config.posts_per_user * row.activity * (4 if row.spam else 1)))
            for _ in range(count):
                topic = int(rng.choice(len(self.topics), p=row.interests))
                rows.append({"author": u, "topic": topic, "quality": float(rng.beta(2, 3)),
                             "spam": bool(row.spam),
                             "created_at": self.start + timedelta(seconds=float(rng.uniform(0, span)))})
        posts = pd.DataFrame(rows).sort_values("created_at", ignore_index=True)
        posts["text"] = [self._text(p) for p in posts.itertuples()]
        return posts

    def _text(self, post) -> str:
        rng = self.rng
        topic = TOPICS[self.topics[post.topic]]
        words = rng.choice(topic["words"], size=3, replace=False)
        tags = rng.choice(topic["tags"], size=2, replace=False)
        template = SPAM_TEMPLATES[rng.integers(len(SPAM_TEMPLATES))] if post.spam else \
            TEMPLATES[rng.integers(len(TEMPLATES))]
        return template.format(w1=words[0], w2=words[1], w3=words[2], tag=tags[0], tag2=tags[1],
                               n=int(rng.integers(1000)))

    def _blur_texts(self, users: pd.DataFrame, posts: pd.DataFrame) -> None:
        """Spammers re-post near-copies of their own ads (only the link changes), camouflaged
        ones post ordinary-looking texts in between, and they often @mention random accounts.
        Normal accounts mention each other now and then; promoters (legitimate) link to their site."""
        rng = self.spam_rng
        texts = posts.text.tolist()
        last_ad: dict[int, str] = {}
        for i, post in enumerate(posts.itertuples()):
            author = users.iloc[post.author]
            if post.spam and post.author in last_ad and rng.random() < 0.6 * (1 - author.spam_skill):
                texts[i] = re.sub(r"/\d+", f"/{int(rng.integers(1000))}", last_ad[post.author])
            elif post.spam:
                last_ad[post.author] = texts[i]
            if post.spam and rng.random() < 0.7 * author.spam_skill:
                topic = TOPICS[self.topics[post.topic]]
                words, tags = rng.choice(topic["words"], size=3, replace=False), rng.choice(topic["tags"], size=2)
                texts[i] = TEMPLATES[rng.integers(len(TEMPLATES))].format(
                    w1=words[0], w2=words[1], w3=words[2], tag=tags[0], tag2=tags[1])
            if post.spam and rng.random() < 0.4 * (1 - author.spam_skill):
                texts[i] = f"@{users.username[int(rng.integers(1, len(users)))]} {texts[i]}"
            elif not post.spam and rng.random() < 0.05:
                texts[i] = f"@{users.username[int(rng.integers(1, len(users)))]} {texts[i]}"
            if author.promoter and rng.random() < 0.6:
                texts[i] = f"{texts[i]} More on my site: https://{author.username}.example/p/{int(rng.integers(100))}"
        posts["text"] = texts

    def _churn_follows(self, users: pd.DataFrame, edges: list) -> None:
        """Follow churn: spammers drop many of whom they followed once the follow-back window
        has passed (``account.unfollowed`` events, stamped now: after the simulated sessions,
        which — like the saved ground truth — see the graph before the churn); a few normal
        accounts (never the demo account) tidy up too."""
        rng = self.spam_rng
        spam = users.spam.to_numpy()
        drop_share = np.where(spam, rng.uniform(0.0, 0.8, size=len(users)) * (1 - users.spam_skill.to_numpy()),
                              np.where(rng.random(len(users)) < 0.15, rng.uniform(0.05, 0.4, size=len(users)), 0.0))
        drop_share[0] = 0.0  # the demo account keeps its curated follows
        dropped = [e for e in edges if rng.random() < drop_share[e[0]]]
        if not dropped:
            return
        with session_scope(self.settings) as session:
            unfollow = UnfollowAccount(session, self.settings)
            accounts = {}
            for a, b, _ in dropped:
                for k in (a, b):
                    if k not in accounts:
                        accounts[k] = session.get(Account, int(users.account_id[k]))
                unfollow(accounts[a], accounts[b])

    def _create_posts(self, users: pd.DataFrame, posts: pd.DataFrame) -> None:
        status_ids: list[int] = []
        chunk = 2000
        for start in tqdm(range(0, len(posts), chunk), desc="posts", unit="chunk"):
            part = posts.iloc[start:start + chunk]
            with session_scope(self.settings) as session:
                status_ids += ImportStatuses(session, self.settings)([
                    ImportedStatus(int(users.account_id[p.author]), p.text, p.created_at) for p in part.itertuples()])
        posts["status_id"] = status_ids

    # -- behaviour -----------------------------------------------------------------------------
    def preference(self, interests: np.ndarray, post_topic: np.ndarray, quality: np.ndarray,
                   follows_author: np.ndarray, spam: np.ndarray) -> np.ndarray:
        """Ground-truth P(like | viewer, post) — the shared model in ``agora.world_truth``."""
        match = interests[np.arange(len(post_topic)), post_topic]
        return like_probability(match, quality, follows_author, spam)

    def _simulate_sessions(self, users: pd.DataFrame, posts: pd.DataFrame, edges) -> tuple[int, int]:
        rng = self.rng
        follows = {}
        for a, b, _ in edges:
            follows.setdefault(a, set()).add(b)
        by_author = posts.groupby("author").indices
        interests = np.stack(users.interests.to_numpy())
        post_times = posts.created_at.to_numpy()
        total, replies = 0, 0
        batch: list[Engagement] = []
        reply_jobs = []
        for u in tqdm(range(len(users)), desc="sessions", unit="user"):
            if users.spam[u]:
                continue
            followed = list(follows.get(u, ()))
            own_posts = [by_author[a] for a in followed if a in by_author]
            in_net = np.concatenate(own_posts) if own_posts else np.array([], dtype=int)
            n = max(1, int(rng.poisson(self.config.impressions_per_user * users.activity[u])))
            n_in = min(len(in_net), int(n * 0.7))
            seen = np.concatenate([rng.choice(in_net, size=n_in, replace=False) if n_in else np.array([], int),
                                   rng.integers(0, len(posts), size=n - n_in)])
            seen = np.unique(seen)
            seen = seen[posts.author.to_numpy()[seen] != u]
            if len(seen) == 0:
                continue
            authors = posts.author.to_numpy()[seen]
            p_like = self.preference(np.repeat(interests[u:u + 1], len(seen), axis=0), posts.topic.to_numpy()[seen],
                                     posts.quality.to_numpy()[seen],
                                     np.array([a in follows.get(u, ()) for a in authors], dtype=float),
                                     posts.spam.to_numpy()[seen].astype(float))
            delays = rng.exponential(6 * 3600, size=len(seen))
            liked = rng.random(len(seen)) < p_like
            clicked = rng.random(len(seen)) < p_like * 0.5
            hidden = rng.random(len(seen)) < (1 - p_like) * 0.03
            replied = liked & (rng.random(len(seen)) < 0.08)
            for i, p in enumerate(seen):
                at = pd.Timestamp(post_times[p]).to_pydatetime().replace(tzinfo=UTC) + timedelta(seconds=float(delays[i]))
                if at >= self.now:
                    continue
                sid, aid = int(posts.status_id[p]), int(users.account_id[authors[i]])
                viewer = int(users.account_id[u])
                batch.append(Engagement(viewer, sid, aid, at, EventType.IMPRESSION))
                if clicked[i]:
                    batch.append(Engagement(viewer, sid, aid, at + timedelta(seconds=5), EventType.CLICKED))
                if liked[i]:
                    batch.append(Engagement(viewer, sid, aid, at + timedelta(seconds=20), EventType.FAVOURITED))
                if hidden[i]:
                    batch.append(Engagement(viewer, sid, aid, at + timedelta(seconds=10), EventType.HIDDEN))
                if replied[i]:
                    reply_jobs.append((viewer, sid, int(posts.topic[p]), at + timedelta(seconds=60)))
            if len(batch) > 20_000:
                total += self._flush(batch)
        total += self._flush(batch)
        replies = self._replies(reply_jobs)
        return total, replies

    def _flush(self, batch: list[Engagement]) -> int:
        if not batch:
            return 0
        with session_scope(self.settings) as session:
            count = RecordEngagements(session)(batch)
        batch.clear()
        return count

    def _replies(self, jobs) -> int:
        with session_scope(self.settings) as session:
            post_status = PostStatus(session, self.settings)
            for viewer, status_id, topic, at in jobs:
                word = self.rng.choice(TOPICS[self.topics[topic]]["words"])
                post_status(session.get(Account, viewer),
                            StatusCreate(status=f"Love this, especially the {word} part!", in_reply_to_id=status_id),
                            created_at=at)
        return len(jobs)

    def _save_ground_truth(self, users: pd.DataFrame, posts: pd.DataFrame, edges) -> None:
        out = self.settings.home / "world"
        out.mkdir(parents=True, exist_ok=True)
        truth_users = pd.DataFrame({"account_id": users.account_id, "username": users.username,
                                    "community": users.community, "spam": users.spam})
        for k, topic in enumerate(self.topics):
            truth_users[f"interest_{topic}"] = [v[k] for v in users.interests]
        truth_users.to_parquet(out / "users.parquet", index=False)
        posts.assign(author_id=users.account_id.to_numpy()[posts.author])[
            ["status_id", "author_id", "topic", "quality", "spam", "created_at"]
        ].to_parquet(out / "posts.parquet", index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
        ids = users.account_id.to_numpy()
        pd.DataFrame({"account_id": [int(ids[a]) for a, _, _ in edges],
                      "target_account_id": [int(ids[b]) for _, b, _ in edges]}).to_parquet(
            out / "follows.parquet", index=False)
        (out / "world.json").write_text(json.dumps({"users": len(users), "seed": self.config.seed,
                                                    "topics": self.topics, "generated_at": self.now.isoformat()}))
