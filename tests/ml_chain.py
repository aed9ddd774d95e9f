"""A small synthetic event world, and the ML chain built on it once per test session.

The world: 200 accounts, 40 of whom post; twelve days of posts, follows, impressions and
reactions written as real ``OutboxEvent`` rows. Some authors are clearly better liked
(``POPULAR_AUTHORS``), and every viewer has a few favourite authors, so a ranker has
something to learn from author- and affinity-features.

The chain (each stage builds on the previous; each is built at most once per process and
shared by tests/pipelines, tests/features, tests/models and tests/serving):
world → export to the lake → Spark features → Feast apply + materialize → trained ranker.
Imported as ``ml_chain``: ``tests/`` is on ``sys.path`` because ``tests/conftest.py`` is.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from agora.events import EventType
from agora.settings import Settings, reset_settings_cache

N_ACCOUNTS = 200
N_AUTHORS = 40
DAYS = 12
FIRST_ACCOUNT_ID = 10_001
FIRST_STATUS_ID = 5_000_001
#: Authors whose posts are liked far more often than the rest.
POPULAR_AUTHORS = tuple(range(FIRST_ACCOUNT_ID, FIRST_ACCOUNT_ID + 6))
AUTHORS = tuple(range(FIRST_ACCOUNT_ID, FIRST_ACCOUNT_ID + N_AUTHORS))
ACCOUNTS = tuple(range(FIRST_ACCOUNT_ID, FIRST_ACCOUNT_ID + N_ACCOUNTS))
#: Each author writes about one topic (a hashtag), so the topic features have something to count.
TOPIC_TAGS = ("climbing", "cooking", "python", "music")


@dataclass
class World:
    """What was written to the outbox (``rows`` in insertion order, i.e. outbox id order)."""

    rows: list[dict]
    start: datetime
    end: datetime
    favourites: dict[int, set[int]]

    def count(self, event_type: EventType) -> int:
        return sum(1 for r in self.rows if r["event_type"] == str(event_type))


def synthetic_events(seed: int = 7, end: datetime | None = None) -> World:
    rng = np.random.default_rng(seed)
    end = (end or datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    start = end - timedelta(days=DAYS)
    rows: list[dict] = []

    def add(event_type, at, actor, status=None, author=None, target=None, payload=None):
        rows.append({"event_type": str(event_type), "occurred_at": at, "actor_id": int(actor),
                     "status_id": None if status is None else int(status),
                     "author_id": None if author is None else int(author),
                     "target_account_id": None if target is None else int(target),
                     "payload": None if payload is None else json.dumps(payload)})

    def at(day_fraction: float) -> datetime:
        return start + timedelta(seconds=float(day_fraction) * 86_400)

    for account in ACCOUNTS:
        add(EventType.ACCOUNT_CREATED, start - timedelta(days=1), account)
    favourites = {v: set(rng.choice(AUTHORS, size=3, replace=False).tolist()) for v in ACCOUNTS}
    for viewer in ACCOUNTS:
        for author in rng.choice(AUTHORS, size=8, replace=False):
            if author != viewer:
                add(EventType.FOLLOWED, at(rng.uniform(0, 2)), viewer, target=author)
        if rng.random() < 0.1:
            add(EventType.UNFOLLOWED, at(rng.uniform(2, DAYS)), viewer, target=int(rng.choice(AUTHORS)))

    posts: list[tuple[float, int, int]] = []  # (time in days, status id, author)
    next_status = FIRST_STATUS_ID
    for author in AUTHORS:
        for t in np.sort(rng.uniform(0, DAYS, size=rng.poisson(1.5 * DAYS))):
            posts.append((float(t), next_status, author))
            add(EventType.STATUS_CREATED, at(t), author, status=next_status, author=author,
                payload={"tags": [TOPIC_TAGS[author % len(TOPIC_TAGS)]], "visibility": "public", "reply": False,
                         "text_length": int(rng.integers(5, 400))})
            next_status += 1
    posts.sort()
    post_times = np.array([p[0] for p in posts])

    for day in range(DAYS):
        for viewer in ACCOUNTS:
            for t in day + rng.uniform(0, 1, size=rng.poisson(6)):
                recent = np.flatnonzero((post_times < t) & (post_times >= t - 2))
                if len(recent) == 0:
                    continue
                _, status, author = posts[int(rng.choice(recent))]
                if author == viewer:
                    continue
                add(EventType.IMPRESSION, at(t), viewer, status=status, author=author)
                popular, favourite = author in POPULAR_AUTHORS, author in favourites[viewer]
                p_like = 0.03 + 0.35 * popular + 0.35 * favourite
                if rng.random() < p_like:
                    add(EventType.FAVOURITED, at(t + rng.exponential(1 / 24)), viewer, status=status, author=author)
                if rng.random() < p_like / 4:
                    reply_at = t + rng.exponential(1 / 24)
                    add(EventType.REPLIED, at(reply_at), viewer, status=status, author=author)
                    add(EventType.STATUS_CREATED, at(reply_at), viewer, status=next_status, author=viewer,
                        payload={"tags": [], "visibility": "public", "reply": True, "text_length": 40})
                    next_status += 1
                if rng.random() < p_like / 5:
                    add(EventType.REBLOGGED, at(t + rng.exponential(1 / 24)), viewer, status=status, author=author)
                if rng.random() < (0.01 if popular or favourite else 0.06):
                    add(EventType.HIDDEN, at(t + 0.001), viewer, status=status, author=author)
                if rng.random() < 0.1 + p_like / 2:
                    add(EventType.CLICKED, at(t + 0.0005), viewer, status=status, author=author)

    rows = sorted((r for r in rows if r["occurred_at"] <= end), key=lambda r: r["occurred_at"])
    return World(rows=rows, start=start, end=end, favourites=favourites)


def insert_world(settings: Settings, world: World) -> list[int]:
    """Write the world into the outbox through the ORM; returns the outbox ids, in order."""
    from sqlalchemy import insert, select

    from platform_api.db import create_schema, session_scope
    from platform_api.tables import OutboxEvent

    create_schema(settings)
    with session_scope(settings) as session:
        for chunk in range(0, len(world.rows), 5_000):
            session.execute(insert(OutboxEvent), world.rows[chunk:chunk + 5_000])
    with session_scope(settings) as session:
        return list(session.scalars(select(OutboxEvent.id).order_by(OutboxEvent.id)))


@contextlib.contextmanager
def home_env(settings: Settings):
    """``AGORA_HOME`` = this home while the block runs (what the CLI and subprocesses see)."""
    previous = os.environ.get("AGORA_HOME")
    os.environ["AGORA_HOME"] = str(settings.home)
    reset_settings_cache()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("AGORA_HOME", None)
        else:
            os.environ["AGORA_HOME"] = previous
        reset_settings_cache()


@dataclass
class Chain:
    settings: Settings
    world: World
    outbox_ids: list[int]
    stages: set[str] = field(default_factory=set)
    timings: dict[str, float] = field(default_factory=dict)
    results: dict[str, object] = field(default_factory=dict)

    def _timed(self, stage: str, fn):
        started = time.perf_counter()
        result = fn()
        self.timings[stage] = time.perf_counter() - started
        self.results[stage] = result
        self.stages.add(stage)
        return result

    def lake(self) -> Chain:
        if "lake" not in self.stages:
            from pipelines.export import export_outbox

            self._timed("lake", lambda: export_outbox(self.settings, batch_size=6_000, progress=False))
        return self

    def features(self) -> Chain:
        if "features" not in self.stages:
            from pipelines import features

            self.lake()._timed("features", lambda: features.run(self.settings, master="local[2]"))
        return self

    def feast(self) -> Chain:
        if "feast_apply" not in self.stages:
            from features import store

            self.features()
            with home_env(self.settings):
                self._timed("feast_apply", lambda: store.apply(self.settings))
            self._timed("feast_materialize", lambda: store.materialize(self.settings))
        return self

    def ranker(self) -> Chain:
        if "ranker" not in self.stages:
            from models.ranker.train import train_ranker

            self.feast()._timed("ranker", lambda: train_ranker(self.settings, epochs=6))
        return self


_CHAIN: Chain | None = None


def chain(tmp_path_factory) -> Chain:
    """The session's chain (world inserted; later stages built on demand)."""
    global _CHAIN
    if _CHAIN is None:
        settings = Settings(home=tmp_path_factory.mktemp("ml_chain") / "agora_home", database_url=None,
                            mlflow_tracking_uri=None)
        settings.ensure_dirs()
        world = synthetic_events()
        _CHAIN = Chain(settings=settings, world=world, outbox_ids=insert_world(settings, world))
    return _CHAIN


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
