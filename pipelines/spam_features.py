"""Behavioural spam features per account, from the event lake (pandas: one small table, a few
seconds; no Spark session needed).

One row per account that ever acted, with what a spammer cannot easily hide: a young account,
a high posting rate, posts that are near-copies of one another (MinHash over word shingles),
links and @mentions in most posts, mass follows later dropped (follow churn), few followers for
many followings, and little engagement received per post. Training (``models/spam/train.py``)
and scanning (``agora moderation scan-spam``) both call :func:`account_features`, so the
features are written once.
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

from agora.events import LAKE_SCHEMA, EventType
from agora.settings import Settings

FEATURES = [
    "account_age_days", "posts_per_day", "log_posts", "near_duplicate_ratio", "link_ratio", "mention_ratio",
    "log_following", "unfollow_ratio", "follower_following_ratio", "likes_per_post", "replies_per_post",
    "hides_per_post",
]
#: MinHash signature length: 64 permutations estimate a Jaccard similarity within about ±0.06.
NUM_PERM = 64
#: Word shingle size: 3-word shingles keep templates with different fillers apart.
SHINGLE = 3
#: Two posts are near-duplicates above this estimated Jaccard similarity of their shingles.
NEAR_DUPLICATE_JACCARD = 0.5
_MERSENNE = np.uint64((1 << 61) - 1)
_perm_rng = np.random.default_rng(20261125)
_PERM_A = _perm_rng.integers(1, 1 << 61, size=NUM_PERM, dtype=np.uint64)
_PERM_B = _perm_rng.integers(0, 1 << 61, size=NUM_PERM, dtype=np.uint64)
_WORD = re.compile(r"[a-z0-9@#$:/._-]+")
_LINK = re.compile(r"https?://")
_MENTION = re.compile(r"(?:^|\s)@\w")
_USED = [str(t) for t in (EventType.ACCOUNT_CREATED, EventType.STATUS_CREATED, EventType.FOLLOWED,
                          EventType.UNFOLLOWED, EventType.FAVOURITED, EventType.REPLIED, EventType.HIDDEN)]


def read_events(settings: Settings) -> pd.DataFrame:
    """The lake's events of the types these features use."""
    if not settings.events_dir.exists():
        return LAKE_SCHEMA.empty_table().to_pandas()
    dataset = ds.dataset(settings.events_dir, format="parquet", schema=LAKE_SCHEMA, partitioning="hive")
    return dataset.to_table(columns=[f.name for f in LAKE_SCHEMA],
                            filter=ds.field("event_type").isin(_USED)).to_pandas()


def minhash_signatures(texts: list[str]) -> np.ndarray:
    """(len(texts), NUM_PERM) uint64 MinHash signatures of each text's word 3-shingles."""
    signatures = np.full((len(texts), NUM_PERM), np.iinfo(np.uint64).max, dtype=np.uint64)
    for i, text in enumerate(texts):
        words = _WORD.findall(text.lower())
        shingles = {" ".join(words[j:j + SHINGLE]) for j in range(max(1, len(words) - SHINGLE + 1))}
        hashes = np.array([zlib.crc32(s.encode()) for s in shingles], dtype=np.uint64)
        with np.errstate(over="ignore"):
            permuted = (hashes[:, None] * _PERM_A[None, :] + _PERM_B[None, :]) % _MERSENNE
        signatures[i] = permuted.min(axis=0)
    return signatures


def near_duplicate_ratio(authors: np.ndarray, signatures: np.ndarray) -> pd.Series:
    """Per author: the share of their posts that nearly copy another of their own posts."""
    order = np.argsort(authors, kind="stable")
    authors, signatures = authors[order], signatures[order]
    starts = np.flatnonzero(np.r_[True, authors[1:] != authors[:-1]])
    ratios = {}
    for start, end in zip(starts, np.r_[starts[1:], len(authors)]):
        block = signatures[start:end]
        if len(block) < 2:
            ratios[int(authors[start])] = 0.0
            continue
        similarity = (block[:, None, :] == block[None, :, :]).mean(axis=2)
        np.fill_diagonal(similarity, 0.0)
        ratios[int(authors[start])] = float((similarity.max(axis=1) >= NEAR_DUPLICATE_JACCARD).mean())
    return pd.Series(ratios, dtype=float)


def account_features(events: pd.DataFrame, as_of: datetime | None = None) -> pd.DataFrame:
    """One row per account (index ``account_id``) with the :data:`FEATURES` columns."""
    as_of = pd.Timestamp(as_of) if as_of is not None else events["occurred_at"].max()
    kind = events["event_type"]
    posts = events[kind == str(EventType.STATUS_CREATED)]
    payloads = posts["payload"].map(lambda p: json.loads(p) if p else {})
    texts = payloads.map(lambda p: p.get("text", "")).tolist()
    authors = posts["actor_id"].to_numpy()

    out = pd.DataFrame(index=pd.Index(np.unique(events["actor_id"]), name="account_id"))
    created = events[kind == str(EventType.ACCOUNT_CREATED)].groupby("actor_id")["occurred_at"].min()
    first_seen = events.groupby("actor_id")["occurred_at"].min()
    born = created.reindex(out.index).fillna(first_seen.reindex(out.index))
    age_days = ((as_of - born).dt.total_seconds() / 86_400).clip(lower=0.0)
    n_posts = posts.groupby("actor_id").size().reindex(out.index, fill_value=0)
    out["account_age_days"] = age_days
    out["posts_per_day"] = n_posts / age_days.clip(lower=1.0).clip(upper=_window_days(events, as_of))
    out["log_posts"] = np.log1p(n_posts)
    per_post = n_posts.clip(lower=1)
    if len(posts):
        has_link = pd.Series([bool(_LINK.search(t)) for t in texts], index=posts.index)
        has_mention = pd.Series([bool(_MENTION.search(t)) for t in texts], index=posts.index)
        out["near_duplicate_ratio"] = near_duplicate_ratio(authors, minhash_signatures(texts)).reindex(out.index)
        out["link_ratio"] = has_link.groupby(posts["actor_id"]).sum().reindex(out.index) / per_post
        out["mention_ratio"] = has_mention.groupby(posts["actor_id"]).sum().reindex(out.index) / per_post
    else:
        out["near_duplicate_ratio"] = out["link_ratio"] = out["mention_ratio"] = 0.0
    follows = _count(events, EventType.FOLLOWED, "actor_id", out.index)
    unfollows = _count(events, EventType.UNFOLLOWED, "actor_id", out.index)
    followers = (_count(events, EventType.FOLLOWED, "target_account_id", out.index)
                 - _count(events, EventType.UNFOLLOWED, "target_account_id", out.index)).clip(lower=0)
    following = (follows - unfollows).clip(lower=0)
    out["log_following"] = np.log1p(following)
    out["unfollow_ratio"] = unfollows / follows.clip(lower=1)
    out["follower_following_ratio"] = np.log1p(followers) - np.log1p(following)
    out["likes_per_post"] = _count(events, EventType.FAVOURITED, "author_id", out.index) / per_post
    out["replies_per_post"] = _count(events, EventType.REPLIED, "author_id", out.index) / per_post
    out["hides_per_post"] = _count(events, EventType.HIDDEN, "author_id", out.index) / per_post
    return out[FEATURES].fillna(0.0).astype(float)


def _window_days(events: pd.DataFrame, as_of: pd.Timestamp) -> float:
    """How many days of activity the lake covers (sign-ups can be far older): a posting rate
    is over the account's life within that window."""
    activity = events.loc[events["event_type"] != str(EventType.ACCOUNT_CREATED), "occurred_at"]
    return max(1.0, (as_of - activity.min()).total_seconds() / 86_400) if len(activity) else 1.0


def _count(events: pd.DataFrame, event_type: EventType, column: str, index: pd.Index) -> pd.Series:
    rows = events[events["event_type"] == str(event_type)]
    return rows.groupby(column).size().reindex(index, fill_value=0).astype(float)
