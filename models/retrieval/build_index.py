"""``agora index build`` / ``agora index update``: embed the recent posts with the champion's
post tower into the FAISS index, and refresh the viewer histories the viewer tower reads."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from agora.settings import Settings
from models.retrieval.dataset import read_posts_and_engagements, viewer_history
from models.retrieval.index import PostIndex
from models.retrieval.text_embeddings import PostTextEmbeddings

QUALITY_QUERIES = 200


def _posts_to_index(settings: Settings, after_id: int = 0):
    from platform_api.db import session_scope
    from platform_api.ids import utcnow
    from platform_api.repositories import post_catalog

    with session_scope(settings) as session:
        return post_catalog.indexable_posts(session, since=utcnow() - timedelta(days=settings.index_days),
                                            after_id=after_id)


def _post_vectors(settings: Settings, predictor, posts) -> np.ndarray:
    texts = dict(zip(posts["status_id"].tolist(), posts["text"].tolist()))
    text = PostTextEmbeddings(settings.home / "embeddings").get(posts["status_id"].tolist(), texts)
    return predictor.post_vectors(text, posts["author_id"], list(posts["tags"]))


def _viewer_history(settings: Settings):
    from platform_api.db import session_scope
    from platform_api.repositories import post_catalog

    _, engagements = read_posts_and_engagements(settings.events_dir)
    with session_scope(settings) as session:
        texts = post_catalog.texts(session, status_ids=engagements["status_id"].unique().tolist())
    text = PostTextEmbeddings(settings.home / "embeddings").get(engagements["status_id"].tolist(), texts)
    return viewer_history(engagements, text)


def build_index(settings: Settings) -> PostIndex:
    from models.retrieval.predictor import load_registered

    predictor, version = load_registered(settings)
    posts = _posts_to_index(settings)
    history = _viewer_history(settings)
    sample = np.random.default_rng(0).permutation(history.viewer_ids)[:QUALITY_QUERIES]
    index = PostIndex.build(f"retrieval/{version}", posts["status_id"].to_numpy(),
                            _post_vectors(settings, predictor, posts), history,
                            queries=predictor.viewer_vectors(sample, history))
    index.save(settings.index_dir)
    return index


def update_index(settings: Settings) -> tuple[PostIndex, int]:
    """Add the posts newer than the index's watermark, with the model that built the index."""
    from models.retrieval.index import META_FILE
    from models.retrieval.predictor import load_registered

    if not (settings.index_dir / META_FILE).exists():
        raise RuntimeError(f"no index in {settings.index_dir} yet: run `agora index build` first")
    index = PostIndex.load(settings.index_dir)
    predictor, version = load_registered(settings)
    if index.meta.model != f"retrieval/{version}":
        raise RuntimeError(f"the index was built by {index.meta.model} but the champion is retrieval/{version}: "
                           "run `agora index build`")
    posts = _posts_to_index(settings, after_id=index.meta.watermark)
    added = int(index.add(posts["status_id"].to_numpy(), _post_vectors(settings, predictor, posts)).sum()) \
        if len(posts) else 0
    index.save(settings.index_dir)
    return index, added
