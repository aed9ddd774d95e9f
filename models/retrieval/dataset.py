"""The retrieval model's data, from the event lake: posts (``status.created``: author, text,
tags, creation time, as later edits, deletions and moderation left them) and positive
engagements (likes, replies, reposts: viewer → post).

- split by time: engagements in the newest :data:`VALIDATION_FRACTION` of the span are held out;
- vocabularies (viewers, authors, tags) come from the training slice only; index 0 = unknown;
- a viewer's history is what they engaged with (text vectors summed, authors counted), so the
  same :func:`viewer_history` serves training (leave-one-out), evaluation and the index build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from agora.events import EventType

VALIDATION_FRACTION = 0.2
POSITIVE_EVENTS = (EventType.FAVOURITED, EventType.REPLIED, EventType.REBLOGGED)
MAX_TAGS = 4
HISTORY_AUTHORS = 16
#: Posts are shown for about two days after they are written; the held-out candidate pool
#: is every post alive during the held-out window.
POST_LIFETIME = pd.Timedelta(days=2)
POST_EVENTS = (EventType.STATUS_CREATED, EventType.STATUS_UPDATED, EventType.STATUS_DELETED,
               EventType.MODERATION_VERDICT, EventType.MODERATION_DECISION)
#: A post whose moderation ended in one of these stays out of the index (as ``statuses.limited``
#: or a moderator's removal keeps it out of reach in the API).
UNINDEXED_ACTIONS = frozenset({"limit_reach", "delete"})


def read_posts_and_engagements(events_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """posts (:func:`post_catalog`) and engagements (viewer_id, status_id, author_id,
    occurred_at) from the lake, deduplicated."""
    from models.ranker.dataset import read_lake

    events = read_lake(events_dir, [*POST_EVENTS, *POSITIVE_EVENTS])
    posts = post_catalog(events)
    liked = events[events["event_type"].isin([str(t) for t in POSITIVE_EVENTS])]
    engagements = pd.DataFrame({
        "viewer_id": liked["actor_id"].astype("int64").to_numpy(),
        "status_id": liked["status_id"].astype("int64").to_numpy(),
        "occurred_at": liked["occurred_at"].to_numpy(),
    }).drop_duplicates(["viewer_id", "status_id"]).merge(posts[["status_id", "author_id"]], on="status_id")
    engagements = engagements[engagements["viewer_id"] != engagements["author_id"]]
    return posts, engagements.sort_values("occurred_at", ignore_index=True)


def post_catalog(events: pd.DataFrame) -> pd.DataFrame:
    """Each post as its events leave it: status_id, author_id, created_at, text and tags (the
    latest edit's), and ``indexable``: public, not deleted, and not limited or removed by
    moderation — a moderator's decision outlives the model's verdicts, as in the API."""
    events = events.sort_values(["occurred_at", "event_id"])
    kind = events["event_type"]

    def latest(event_type: EventType) -> pd.DataFrame:
        rows = events[(kind == str(event_type)) & events["status_id"].notna()]
        rows = rows.drop_duplicates("status_id", keep="last")
        return rows.assign(data=_payloads(rows)).set_index("status_id")

    created = events[kind == str(EventType.STATUS_CREATED)].drop_duplicates("status_id")
    data = _payloads(created)
    posts = pd.DataFrame({
        "status_id": created["status_id"].astype("int64").to_numpy(),
        "author_id": created["actor_id"].astype("int64").to_numpy(),
        "created_at": created["occurred_at"].to_numpy(),
        "text": [d.get("text", "") for d in data],
        "tags": [d.get("tags", []) for d in data],
        "public": [d.get("visibility", "public") == "public" for d in data],
    })
    edits = latest(EventType.STATUS_UPDATED)["data"]
    edited = posts["status_id"].map(edits)
    posts["text"] = [e.get("text", t) if isinstance(e, dict) else t for e, t in zip(edited, posts["text"])]
    posts["tags"] = [e.get("tags", t) if isinstance(e, dict) else t for e, t in zip(edited, posts["tags"])]
    action = posts["status_id"].map(latest(EventType.MODERATION_DECISION)["data"].map(lambda d: d.get("action"))) \
        .fillna(posts["status_id"].map(latest(EventType.MODERATION_VERDICT)["data"].map(lambda d: d.get("action"))))
    deleted = events.loc[kind == str(EventType.STATUS_DELETED), "status_id"]
    posts["indexable"] = posts["public"] & ~posts["status_id"].isin(deleted) & ~action.isin(UNINDEXED_ACTIONS)
    return posts.drop(columns="public")


def _payloads(events: pd.DataFrame) -> list[dict]:
    return [json.loads(p) if p else {} for p in events["payload"]]


def indexable_posts(posts: pd.DataFrame, *, since: pd.Timestamp) -> pd.DataFrame:
    """The posts of :func:`post_catalog` the index may return, created since ``since``, in id order."""
    keep = posts["indexable"] & (pd.to_datetime(posts["created_at"], utc=True) >= since)
    return posts[keep].sort_values("status_id", ignore_index=True)


def post_texts(posts: pd.DataFrame) -> dict[int, str]:
    """status_id → text, what :class:`~models.retrieval.text_embeddings.PostTextEmbeddings` embeds."""
    return dict(zip(posts["status_id"].tolist(), posts["text"].tolist()))


@dataclass
class Vocabulary:
    viewers: dict[int, int]
    authors: dict[int, int]
    tags: dict[str, int]

    @classmethod
    def fit(cls, engagements: pd.DataFrame, posts: pd.DataFrame) -> Vocabulary:
        def index(values) -> dict:
            return {v: i + 1 for i, v in enumerate(sorted(set(values)))}

        return cls(index(engagements["viewer_id"].astype(int)), index(posts["author_id"].astype(int)),
                   index(t for tags in posts["tags"] for t in tags))

    def viewer_index(self, viewer_ids) -> np.ndarray:
        return pd.Series(viewer_ids).map(self.viewers).fillna(0).to_numpy(dtype=np.int64)

    def author_index(self, author_ids) -> np.ndarray:
        return pd.Series(author_ids, dtype="float64").map(self.authors).fillna(0).to_numpy(dtype=np.int64)

    def tag_matrix(self, tag_lists) -> np.ndarray:
        out = np.zeros((len(tag_lists), MAX_TAGS), dtype=np.int64)
        for row, tags in enumerate(tag_lists):
            ids = [self.tags[t] for t in tags if t in self.tags][:MAX_TAGS]
            out[row, :len(ids)] = ids
        return out

    def to_dict(self) -> dict:
        return {"viewers": [[int(k), v] for k, v in self.viewers.items()],
                "authors": [[int(k), v] for k, v in self.authors.items()], "tags": self.tags}

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        return cls({k: v for k, v in data["viewers"]}, {k: v for k, v in data["authors"]}, dict(data["tags"]))


@dataclass
class ViewerHistory:
    """Per viewer: the sum and count of engaged posts' text vectors and their top authors."""

    viewer_ids: np.ndarray           # (V,)
    text_sum: np.ndarray             # (V, 384)
    count: np.ndarray                # (V,)
    authors: np.ndarray              # (V, HISTORY_AUTHORS) author ids, 0 = padding

    def rows(self, viewer_ids) -> np.ndarray:
        """Row of each viewer id (-1: no history)."""
        position = pd.Series(np.arange(len(self.viewer_ids)), index=self.viewer_ids)
        return pd.Series(viewer_ids).map(position).fillna(-1).to_numpy(dtype=np.int64)

    def text_mean(self, rows: np.ndarray, minus: np.ndarray | None = None) -> np.ndarray:
        """Mean text vector of each row's history; ``minus`` (one vector per row) is left out."""
        known = rows >= 0
        total = np.where(known[:, None], self.text_sum[np.maximum(rows, 0)], 0.0)
        count = np.where(known, self.count[np.maximum(rows, 0)], 0).astype(np.float32)
        if minus is not None:
            total, count = total - minus * known[:, None], np.maximum(count - known, 0)
        return (total / np.maximum(count, 1.0)[:, None]).astype(np.float32)

    def author_ids(self, rows: np.ndarray) -> np.ndarray:
        return np.where((rows >= 0)[:, None], self.authors[np.maximum(rows, 0)], 0)


def viewer_history(engagements: pd.DataFrame, text_vectors: np.ndarray) -> ViewerHistory:
    """``text_vectors`` has one row per engagement (the engaged post's text vector)."""
    codes, viewers = pd.factorize(engagements["viewer_id"].to_numpy(), sort=True)
    text_sum = np.zeros((len(viewers), text_vectors.shape[1]), dtype=np.float32)
    np.add.at(text_sum, codes, text_vectors)
    count = np.bincount(codes, minlength=len(viewers))
    top = (engagements.assign(row=codes).groupby(["row", "author_id"]).size().rename("n").reset_index()
           .sort_values(["row", "n"], ascending=[True, False]))
    top = top[top.groupby("row").cumcount() < HISTORY_AUTHORS]
    authors = np.zeros((len(viewers), HISTORY_AUTHORS), dtype=np.int64)
    authors[top["row"].to_numpy(), top.groupby("row").cumcount().to_numpy()] = top["author_id"].to_numpy()
    return ViewerHistory(np.asarray(viewers, dtype=np.int64), text_sum, count, authors)


@dataclass
class RetrievalData:
    posts: pd.DataFrame              # + "row": row of the post's text vector in ``text``
    text: np.ndarray                 # (n_posts, 384)
    engagements: pd.DataFrame
    split_time: pd.Timestamp

    def train(self) -> pd.DataFrame:
        return self.engagements[self.engagements["occurred_at"] < self.split_time]

    def validation(self) -> pd.DataFrame:
        return self.engagements[self.engagements["occurred_at"] >= self.split_time]

    def post_text(self, status_ids) -> np.ndarray:
        rows = pd.Series(status_ids).map(self.posts.set_index("status_id")["row"]).to_numpy(dtype=np.int64)
        return self.text[rows]

    def candidate_pool(self) -> pd.DataFrame:
        """The posts alive during the held-out window: the ones a retriever had to choose from."""
        start = self.split_time - POST_LIFETIME
        return self.posts[self.posts["created_at"] >= start]


def build_data(posts: pd.DataFrame, engagements: pd.DataFrame, text: np.ndarray) -> RetrievalData:
    """``text`` has one row per post of ``posts`` (zeros for posts without text)."""
    if len(engagements) < 50:
        raise ValueError(f"only {len(engagements)} engagements in the lake; generate more events")
    posts = posts.reset_index(drop=True).assign(row=np.arange(len(posts)))
    start, end = engagements["occurred_at"].min(), engagements["occurred_at"].max()
    split_time = start + (end - start) * (1 - VALIDATION_FRACTION)
    return RetrievalData(posts, text, engagements, pd.Timestamp(split_time))
