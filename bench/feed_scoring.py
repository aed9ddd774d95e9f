"""The ranker call of a cold feed request split in two, as the ranker service does it: feature
hydration (the service's own ``FeatureHydrator``: its hot-row cache in front of the Feast online
store) and the model itself (``predict_heads``), timed in-process on the viewers' own candidates.
One hydrator serves every viewer, as in the service: a viewer's first call reads its viewer and
viewer × author rows from the store (``new_viewer``), its repeats find them cached (``warm``).
The API's ``scorer`` stage holds both plus the HTTP hop; this says which of the two dominates,
and, for a new viewer, which feature views' online reads (rows read per view, time per view)."""

from __future__ import annotations

import time

import numpy as np

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
    return {"viewer_id": np.full(len(rows), viewer_id, dtype=np.int64),
            "author_id": np.array([r.account_id for r in rows], dtype=np.int64),
            "status_id": np.array([r.id for r in rows], dtype=np.int64),
            "age_seconds": np.array([max(0.0, now - r.created_at.timestamp()) for r in rows])}


def split_scoring(api_settings, ranker_settings, viewer_ids: list[int], candidates: int, repeats: int = 3) -> dict:
    from features.store import feature_store
    from models.ranker.predictor import load_registered
    from serving.ranker.hydration import FeatureHydrator

    ranker, version = load_registered(ranker_settings)
    store = feature_store(ranker_settings)
    hydrator = FeatureHydrator(store, store.get_feature_service(ranker.feature_service),
                               ttl=ranker_settings.ranker_cache_seconds,
                               live_ttl=ranker_settings.ranker_live_cache_seconds,
                               max_rows=ranker_settings.ranker_cache_max_rows)
    new_viewer, warm, model, sizes = [], [], [], []
    view_seconds, view_rows = {}, {}
    for viewer_id in viewer_ids:
        rows = _candidate_rows(api_settings, viewer_id, candidates)
        if not len(rows["status_id"]):
            continue
        sizes.append(len(rows["status_id"]))
        for attempt in range(repeats + 1):
            started = time.perf_counter()
            columns, stats = hydrator.hydrate(rows)
            hydrated = time.perf_counter()
            ranker.predict_heads(columns)
            (warm if attempt else new_viewer).append(hydrated - started)
            if not attempt:
                for view, seconds in stats.read_seconds.items():
                    view_seconds[view] = view_seconds.get(view, 0.0) + seconds
                    view_rows[view] = view_rows.get(view, 0) + stats.misses[view]
            model.append(time.perf_counter() - hydrated)
    return {"model": f"ranker/{version}", "viewers": len(sizes),
            "candidates_mean": round(sum(sizes) / len(sizes), 1) if sizes else 0,
            "hydration_new_viewer": latency_summary(new_viewer) if new_viewer else None,
            "hydration_warm": latency_summary(warm) if warm else None,
            "model_predict": latency_summary(model) if model else None,
            "new_viewer_reads_by_view": {view: {"ms": round(1000 * view_seconds[view] / len(sizes), 2),
                                                "rows_missing": round(view_rows[view] / len(sizes), 1)}
                                         for view in sorted(view_seconds, key=view_seconds.get, reverse=True)}}
