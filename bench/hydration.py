"""Feast online hydration for 1,000 candidates: the default SQLite online store (the baseline)
vs the Redis online store, same registry, same features, same entity rows, same run
→ ``bench/results/hydration.json``.

The call is the ranker service's: ``get_online_features(features=<ranker_v2>, entity_rows=…)``
for one viewer and 1,000 (author, status) candidates of the bench world (``bench/world.py``),
including the on-demand ``topic_match`` view; and again with the service's stored features only
(no on-demand view), which isolates what the online store itself costs. The Redis store is configured the supported way,
``AGORA_FEAST_ONLINE_STORE=redis`` + ``AGORA_FEAST_REDIS_URL`` (``features/store.py``), on a
throwaway Redis database (:data:`REDIS_URL`, emptied before and after) and filled by
``agora features materialize --full``."""

from __future__ import annotations

import sys
import time

from bench.common import latency_summary, quick, save_result
from bench.world import agora, bench_world

REDIS_URL = "redis://127.0.0.1:6379/13"
CANDIDATES = 1_000


def _entity_rows(settings, candidates: int) -> dict:
    from sqlalchemy import select

    from platform_api.db import session_scope
    from platform_api.tables import Account, Status

    with session_scope(settings) as session:
        viewer = session.scalar(select(Account.id).order_by(Account.id).limit(1))
        rows = session.execute(select(Status.id, Status.account_id, Status.created_at)
                               .order_by(Status.id.desc()).limit(candidates)).all()
    if len(rows) < candidates:
        raise RuntimeError(f"the bench world has {len(rows)} statuses, fewer than {candidates}")
    now = max(r.created_at for r in rows).timestamp()
    return {"viewer_id": [viewer] * len(rows), "author_id": [r.account_id for r in rows],
            "status_id": [r.id for r in rows], "age_seconds": [now - r.created_at.timestamp() for r in rows]}


def _stored_only(fs, service, rows: dict) -> tuple[list[str], dict]:
    """The service's stored features only (no on-demand view), as plain refs: what the online
    store itself serves. Plain refs carry no join-key map, so the viewer's own row is keyed
    ``account_id`` as ``account_activity`` declares it."""
    views = {view.name for view in fs.list_feature_views()}
    refs = [f"{p.name}:{f.name}" for p in service.feature_view_projections if p.name in views for f in p.features]
    return refs, {**rows, "account_id": rows["viewer_id"]}


def _time_calls(store, service, rows: dict, repeats: int) -> tuple[list[float], dict]:
    for _ in range(3):  # warm-up: registry cache, connections
        response = store.get_online_features(features=service, entity_rows=rows)
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = store.get_online_features(features=service, entity_rows=rows)
        seconds.append(time.perf_counter() - started)
    frame = response.to_df()
    filled = {"columns": int(frame.shape[1]), "non_null_share": round(float(frame.notna().to_numpy().mean()), 3)}
    return seconds, filled


def main() -> None:
    import redis

    from agora.settings import Settings
    from features import store as feast_repo

    users = 300 if quick() else 1000
    repeats = 20 if quick() else 100
    candidates = 500 if quick() else CANDIDATES  # the quick world has fewer than 1,000 posts
    home = bench_world(users)
    sqlite_settings = Settings(home=home)
    redis_settings = Settings(home=home, feast_online_store="redis", feast_redis_url=REDIS_URL)
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        materialize_seconds = agora(home, "features", "materialize", "--full",
                                    AGORA_FEAST_ONLINE_STORE="redis", AGORA_FEAST_REDIS_URL=REDIS_URL)
        rows = _entity_rows(sqlite_settings, candidates)
        results = {}
        for name, settings in (("sqlite", sqlite_settings), ("redis", redis_settings)):
            fs = feast_repo.feature_store(settings)
            service = fs.get_feature_service(feast_repo.RANKER_FEATURE_SERVICE)
            for variant, (features, entity_rows) in (("", (service, rows)),
                                                     ("stored_only_", _stored_only(fs, service, rows))):
                seconds, filled = _time_calls(fs, features, entity_rows, repeats)
                results[variant + name] = {**latency_summary(seconds), **filled}
                print(f"  {variant}{name}: p50 {results[variant + name]['p50_ms']} ms, "
                      f"p95 {results[variant + name]['p95_ms']} ms", file=sys.stderr)
        redis_keys = client.dbsize()
    finally:
        client.flushdb()
    save_result("hydration", {
        "description": f"Feast get_online_features, feature service {feast_repo.RANKER_FEATURE_SERVICE} "
                       f"(incl. on-demand topic_match), 1 viewer x {candidates} candidates; "
                       "baseline: default SQLite online store",
        "world_users": users, "candidates": candidates, "repeats": repeats,
        "redis_materialize_full_seconds": round(materialize_seconds, 1), "redis_keys": redis_keys,
        "baseline": "sqlite", "sqlite": results["sqlite"], "redis": results["redis"],
        "ratio_p50_redis_over_sqlite": round(results["redis"]["p50_ms"] / results["sqlite"]["p50_ms"], 2),
        "ratio_p95_redis_over_sqlite": round(results["redis"]["p95_ms"] / results["sqlite"]["p95_ms"], 2),
        "stored_features_only": {"sqlite": results["stored_only_sqlite"], "redis": results["stored_only_redis"],
                                 "ratio_p50_redis_over_sqlite": round(results["stored_only_redis"]["p50_ms"]
                                                                      / results["stored_only_sqlite"]["p50_ms"], 2)},
    })


if __name__ == "__main__":
    main()
