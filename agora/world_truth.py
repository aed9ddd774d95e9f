"""The synthetic world's ground-truth preference model, shared by the generator (which draws
engagements from it) and offline evaluation (which scores rankings against it).

Files under ``$AGORA_HOME/world/``: ``users.parquet`` (account_id, interest_<topic>…, spam),
``posts.parquet`` (status_id, author_id, topic index, quality, spam), ``follows.parquet``
(account_id, target_account_id), ``world.json`` (topics in index order)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


def like_probability(match: np.ndarray, quality: np.ndarray, follows_author: np.ndarray,
                     spam: np.ndarray) -> np.ndarray:
    """P(like | viewer, post): topical match (viewer's interest in the post's topic), post
    quality, an existing social tie, and aversion to spam."""
    return 1.0 / (1.0 + np.exp(-(4.0 * match + 2.5 * quality + 1.0 * follows_author - 3.5 - 3.0 * spam)))


class WorldTruth:
    def __init__(self, world_dir: Path):
        meta = json.loads((world_dir / "world.json").read_text())
        users = pd.read_parquet(world_dir / "users.parquet")
        self.topics = meta["topics"]
        self.interests = users.set_index("account_id")[[f"interest_{t}" for t in self.topics]]
        self.posts = pd.read_parquet(world_dir / "posts.parquet").set_index("status_id")
        follows = pd.read_parquet(world_dir / "follows.parquet")
        self.follows = set(zip(follows.account_id, follows.target_account_id))

    def like_probability(self, viewer_ids, status_ids) -> np.ndarray:
        """Ground-truth P(like) for (viewer, status) pairs; NaN where the world does not know them."""
        viewer_ids, status_ids = np.asarray(viewer_ids), np.asarray(status_ids)
        posts = self.posts.reindex(status_ids)
        known = posts["topic"].notna().to_numpy() & np.isin(viewer_ids, self.interests.index)
        out = np.full(len(viewer_ids), np.nan)
        if not known.any():
            return out
        interests = self.interests.reindex(viewer_ids[known]).to_numpy()
        topic = posts["topic"].to_numpy()[known].astype(int)
        match = interests[np.arange(len(topic)), topic]
        follows = np.array([(v, a) in self.follows for v, a in zip(viewer_ids[known],
                                                                    posts["author_id"].to_numpy()[known])], float)
        out[known] = like_probability(match, posts["quality"].to_numpy()[known], follows,
                                      posts["spam"].to_numpy()[known].astype(float))
        return out
