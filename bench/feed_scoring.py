"""The ranker call of a cold feed request split in two, as the ranker service does it: Feast
hydration (``get_online_features`` with the model's feature service) and the model itself
(``predict_heads``), timed in-process on the viewers' own candidates. The API's ``scorer`` stage
holds both plus the HTTP hop; this says which of the two dominates."""

from __future__ import annotations

import time

from bench.common import latency_summary


def _candidate_rows(settings, viewer_id: int, candidates: int) -> dict:
    """The viewer's newest home-feed entries: in-network candidates as the feed would score them."""
    from sqlalchemy import select

    from platform_api.db import session_scope
    from platform_api.tables import HomeFeedEntry, Status

    with session_scope(settings) as session:
        rows = session.execute(select(Status.id, Status.account_id, Status.created_at)
                               .join(HomeFeedEntry, HomeFeedEntry.status_id == Status.id)
                               .where(HomeFeedEntry.account_id == viewer_id)
                               .order_by(Status.id.desc()).limit(candidates)).all()
    now = time.time()
    return {"viewer_id": [viewer_id] * len(rows), "author_id": [r.account_id for r in rows],
            "status_id": [r.id for r in rows], "age_seconds": [max(0.0, now - r.created_at.timestamp()) for r in rows]}


def split_scoring(api_settings, ranker_settings, viewer_ids: list[int], candidates: int, repeats: int = 3) -> dict:
    from features.store import feature_store
    from models.ranker.predictor import load_registered
    from serving.ranker.service import numeric_columns

    ranker, version = load_registered(ranker_settings)
    store = feature_store(ranker_settings)
    service = store.get_feature_service(ranker.feature_service)
    hydration, model, sizes = [], [], []
    for viewer_id in viewer_ids:
        rows = _candidate_rows(api_settings, viewer_id, candidates)
        if not rows["status_id"]:
            continue
        sizes.append(len(rows["status_id"]))
        for attempt in range(repeats + 1):
            started = time.perf_counter()
            response = store.get_online_features(features=service, entity_rows=rows)
            hydrated = time.perf_counter()
            ranker.predict_heads(numeric_columns(response, ranker.feature_names))
            if attempt:  # the first call of each viewer warms caches
                hydration.append(hydrated - started)
                model.append(time.perf_counter() - hydrated)
    return {"model": f"ranker/{version}", "viewers": len(sizes),
            "candidates_mean": round(sum(sizes) / len(sizes), 1) if sizes else 0,
            "feast_hydration": latency_summary(hydration) if hydration else None,
            "model_predict": latency_summary(model) if model else None}
