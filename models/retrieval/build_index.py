"""``agora index build`` / ``agora index update``: embed the recent posts with the champion's
post tower into the FAISS index, and refresh the viewer histories the viewer tower reads.
Posts, their texts and the engagements come from the event lake."""

from __future__ import annotations

import numpy as np
import pandas as pd

from agora.settings import Settings
from models.retrieval.dataset import indexable_posts, post_texts, read_posts_and_engagements, viewer_history
from models.retrieval.index import PostIndex
from models.retrieval.text_embeddings import PostTextEmbeddings

QUALITY_QUERIES = 200


class IndexNotExtendable(RuntimeError):
    """There is no index to extend yet, or a newer champion than the one that built it: only
    ``agora index build`` can help (the daily DAG runs it)."""


def _post_vectors(settings: Settings, predictor, posts) -> np.ndarray:
    text = PostTextEmbeddings(settings.home / "embeddings").get(posts["status_id"].tolist(), post_texts(posts))
    return predictor.post_vectors(text, posts["author_id"], list(posts["tags"]))


def _lake(settings: Settings):
    """(posts to index from the last ``index_days`` days, viewer histories)."""
    posts, engagements = read_posts_and_engagements(settings.events_dir)
    text = PostTextEmbeddings(settings.home / "embeddings").get(engagements["status_id"].tolist(), post_texts(posts))
    since = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=settings.index_days)
    return indexable_posts(posts, since=since), viewer_history(engagements, text)


def build_index(settings: Settings) -> PostIndex:
    from models.retrieval.predictor import load_registered

    predictor, version = load_registered(settings)
    posts, history = _lake(settings)
    sample = np.random.default_rng(0).permutation(history.viewer_ids)[:QUALITY_QUERIES]
    index = PostIndex.build(f"retrieval/{version}", posts["status_id"].to_numpy(),
                            _post_vectors(settings, predictor, posts), history,
                            queries=predictor.viewer_vectors(sample, history))
    index.save(settings.index_dir)
    return index


def update_index(settings: Settings) -> tuple[PostIndex, int]:
    """Add every recent indexable post the index lacks (new ones, and any that reached the lake
    after a newer one), with the model that built the index; refresh the viewer histories."""
    from models.retrieval.index import META_FILE
    from models.retrieval.predictor import load_registered

    if not (settings.index_dir / META_FILE).exists():
        raise IndexNotExtendable(f"no index in {settings.index_dir} yet: run `agora index build` first")
    index = PostIndex.load(settings.index_dir)
    predictor, version = load_registered(settings)
    if index.meta.model != f"retrieval/{version}":
        raise IndexNotExtendable(f"the index was built by {index.meta.model} but the champion is "
                                 f"retrieval/{version}: run `agora index build`")
    posts, index.history = _lake(settings)
    added = int(index.add(posts["status_id"].to_numpy(), _post_vectors(settings, predictor, posts)).sum()) \
        if len(posts) else 0
    index.save(settings.index_dir)
    return index, added
