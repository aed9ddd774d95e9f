"""Feature hydration for 1,000 candidates, in one run → ``bench/results/hydration.json``:

- **baseline**: Feast ``get_online_features(features=<the ranker's feature service>, entity_rows=…)`` as the ranker
  service used to call it, on the default SQLite online store and on Redis, with and without the
  on-demand views (``stored_features_only`` isolates what the online store itself costs);
- **the service's hydration** (``serving/ranker/hydration.py``, SQLite store): *cold* (an empty
  cache every call: every row read from Feast), *new viewer* (posts and authors cached by earlier
  requests, the viewer's own rows and viewer × author pairs not: a viewer's first page) and
  *warm* (the same request again within the TTL);
- the model's forward pass on the hydrated 1,000 rows;
- the whole ``POST /score`` round trip through a real ``bentoml serve`` (one persistent httpx
  client), warm and with a new viewer each request.

One viewer and 1,000 (author, status) candidates of the bench world (``bench/world.py``; a
ranker is trained into it on first use). The Redis store is configured the supported way,
``AGORA_FEAST_ONLINE_STORE=redis`` + ``AGORA_FEAST_REDIS_URL`` (``features/store.py``), on a
throwaway Redis database (:data:`REDIS_URL`, emptied before and after) and filled by
``agora features materialize --full``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.common import latency_summary, quick, save_result
from bench.world import agora, bench_world, world_env

REDIS_URL = "redis://127.0.0.1:6379/13"
CANDIDATES = 1_000
BENTOML = str(Path(sys.executable).with_name("bentoml"))


def _entity_rows(settings, candidates: int, viewers: int) -> tuple[list[int], dict]:
    """The first ``viewers`` accounts, and the newest ``candidates`` statuses as the first one's rows."""
    from sqlalchemy import select

    from platform_api.db import session_scope
    from platform_api.tables import Account, Status

    with session_scope(settings) as session:
        accounts = list(session.scalars(select(Account.id).order_by(Account.id).limit(viewers)))
        rows = session.execute(select(Status.id, Status.account_id, Status.created_at)
                               .order_by(Status.id.desc()).limit(candidates)).all()
    if len(rows) < candidates:
        raise RuntimeError(f"the bench world has {len(rows)} statuses, fewer than {candidates}")
    now = max(r.created_at for r in rows).timestamp()
    return accounts, {"viewer_id": [accounts[0]] * len(rows), "author_id": [r.account_id for r in rows],
                      "status_id": [r.id for r in rows],
                      "age_seconds": [now - r.created_at.timestamp() for r in rows]}


def _for_viewer(rows: dict, viewer: int) -> dict:
    return {**rows, "viewer_id": [viewer] * len(rows["status_id"])}


def _stored_only(fs, service, rows: dict) -> tuple[list[str], dict]:
    """The service's stored features only (no on-demand view), as plain refs: what the online
    store itself serves. Plain refs carry no join-key map, so the viewer's own row is keyed
    ``account_id`` as ``account_activity`` declares it."""
    views = {view.name for view in fs.list_feature_views()}
    refs = [f"{p.name}:{f.name}" for p in service.feature_view_projections if p.name in views for f in p.features]
    return refs, {**rows, "account_id": rows["viewer_id"]}


def _timed(call, repeats: int, warmup: int = 3) -> list[float]:
    for i in range(warmup):
        call(i)
    seconds = []
    for i in range(repeats):
        started = time.perf_counter()
        call(warmup + i)
        seconds.append(time.perf_counter() - started)
    return seconds


def _direct_feast(fs, features, rows: dict, repeats: int) -> dict:
    seconds = _timed(lambda _: fs.get_online_features(features=features, entity_rows=rows), repeats)
    frame = fs.get_online_features(features=features, entity_rows=rows).to_df()
    return {**latency_summary(seconds), "columns": int(frame.shape[1]),
            "non_null_share": round(float(frame.notna().to_numpy().mean()), 3)}


def _service_hydration(settings, fs, service, rows: dict, viewers: list[int], repeats: int) -> dict:
    """Cold, new-viewer and warm hydration through the service's cache, and the model's pass
    (preprocessing + forward + the combined score)."""
    import torch

    from models.ranker.predictor import load_registered
    from serving.ranker.hydration import FeatureHydrator

    def hydrator():
        return FeatureHydrator(fs, service, ttl=settings.ranker_cache_seconds,
                               live_ttl=settings.ranker_live_cache_seconds, max_rows=settings.ranker_cache_max_rows)

    empty = [hydrator() for _ in range(repeats + 3)]  # built beforehand: only the hydration is timed
    cold = _timed(lambda i: empty[i].hydrate(rows), repeats)
    del empty
    shared = hydrator()
    shared.hydrate(rows)
    others = viewers[1:]
    new_viewer = _timed(lambda i: shared.hydrate(_for_viewer(rows, others[i % len(others)])),
                        min(repeats, len(others) - 3))
    warm_cache = hydrator()
    warm_cache.hydrate(rows)
    warm = _timed(lambda _: warm_cache.hydrate(rows), repeats * 5)
    columns, stats = warm_cache.hydrate(rows)
    predictor, version = load_registered(settings)
    torch.set_num_threads(1)  # as the service runs it (serving/ranker/service.py)
    forward = _timed(lambda _: predictor.score(columns), repeats * 5)
    return {"cold": latency_summary(cold), "new_viewer": latency_summary(new_viewer), "warm": latency_summary(warm),
            "warm_feast_calls": stats.feast_calls, "model_forward": latency_summary(forward),
            "model": f"ranker/{version}", "cache_rows": {name: len(v) for name, v in shared.views.items()}}


def _score_round_trip(home: Path, rows: dict, viewers: list[int], repeats: int) -> dict:
    """``POST /score`` through a real ``bentoml serve`` (the service as operators start it)."""
    import httpx

    from agora.processes import free_port

    port = free_port()
    env = world_env(home, AGORA_SERVING_PORT=str(port), BENTOML_HOME=str(home / "bentoml"),
                    BENTOML_DO_NOT_TRACK="true")
    log = open(home / "logs" / "bench-ranker.log", "wb")
    process = subprocess.Popen([BENTOML, "serve", "serving.ranker.service:RankerService", "--port", str(port)],
                               cwd=Path(__file__).resolve().parent.parent, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.time() + 240
            while True:
                try:
                    if client.get("/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError(f"ranker service did not start; see {log.name}")
                time.sleep(0.5)

            def score(viewer: int) -> None:
                payload = {"viewer_id": viewer, "status_ids": rows["status_id"], "author_ids": rows["author_id"],
                           "ages_seconds": rows["age_seconds"]}
                client.post("/score", json=payload).raise_for_status()

            warm = _timed(lambda _: score(viewers[0]), repeats * 2)
            others = viewers[1:]
            new_viewer = _timed(lambda i: score(others[-1 - i % len(others)]), min(repeats, len(others) - 3))
            metrics = client.get("/metrics").text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        log.close()
    counted = [line for line in metrics.splitlines() if line.startswith("agora_ranker_feature_rows_total")]
    return {"warm": latency_summary(warm), "new_viewer": latency_summary(new_viewer),
            "cache_metric_series": len(counted)}


def _ensure_ranker(home: Path, settings) -> None:
    from mlflow.exceptions import MlflowException

    from models.ranker.predictor import load_registered

    try:
        load_registered(settings)
    except MlflowException:
        seconds = agora(home, "train", "ranker")
        print(f"  trained the bench world's ranker in {seconds:.0f} s", file=sys.stderr)


def _ratio(a: dict, b: dict, key: str = "p50_ms") -> float:
    return round(a[key] / b[key], 1)


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
    _ensure_ranker(home, sqlite_settings)
    viewers, rows = _entity_rows(sqlite_settings, candidates, viewers=repeats + 10)
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        materialize_seconds = agora(home, "features", "materialize", "--full",
                                    AGORA_FEAST_ONLINE_STORE="redis", AGORA_FEAST_REDIS_URL=REDIS_URL)
        direct = {}
        for name, settings in (("sqlite", sqlite_settings), ("redis", redis_settings)):
            fs = feast_repo.feature_store(settings)
            service = fs.get_feature_service(feast_repo.RANKER_FEATURE_SERVICE)
            direct[name] = _direct_feast(fs, service, rows, repeats)
            direct["stored_only_" + name] = _direct_feast(fs, *_stored_only(fs, service, rows), repeats)
            print(f"  direct Feast {name}: p50 {direct[name]['p50_ms']} ms", file=sys.stderr)
        redis_keys = client.dbsize()
    finally:
        client.flushdb()
    fs = feast_repo.feature_store(sqlite_settings)
    hydration = _service_hydration(sqlite_settings, fs, fs.get_feature_service(feast_repo.RANKER_FEATURE_SERVICE),
                                   rows, viewers, repeats)
    print(f"  service hydration: cold p50 {hydration['cold']['p50_ms']} ms, new viewer "
          f"{hydration['new_viewer']['p50_ms']} ms, warm {hydration['warm']['p50_ms']} ms", file=sys.stderr)
    round_trip = _score_round_trip(home, rows, viewers, repeats)
    print(f"  /score round trip: warm p50 {round_trip['warm']['p50_ms']} ms", file=sys.stderr)
    baseline = direct["sqlite"]
    save_result("hydration", {
        "description": f"features of {feast_repo.RANKER_FEATURE_SERVICE} (incl. on-demand views) for 1 viewer x "
                       f"{candidates} candidates; baseline: direct Feast get_online_features on the default SQLite "
                       "online store (what the ranker service did before its hot-row cache)",
        "world_users": users, "candidates": candidates, "repeats": repeats,
        "cache_ttl_seconds": sqlite_settings.ranker_cache_seconds,
        "live_cache_ttl_seconds": sqlite_settings.ranker_live_cache_seconds,
        "redis_materialize_full_seconds": round(materialize_seconds, 1), "redis_keys": redis_keys,
        "baseline": "sqlite", "sqlite": baseline, "redis": direct["redis"],
        "ratio_p50_redis_over_sqlite": round(direct["redis"]["p50_ms"] / baseline["p50_ms"], 2),
        "ratio_p95_redis_over_sqlite": round(direct["redis"]["p95_ms"] / baseline["p95_ms"], 2),
        "stored_features_only": {"sqlite": direct["stored_only_sqlite"], "redis": direct["stored_only_redis"],
                                 "ratio_p50_redis_over_sqlite": round(direct["stored_only_redis"]["p50_ms"]
                                                                      / direct["stored_only_sqlite"]["p50_ms"], 2)},
        "service_hydration": hydration,
        "score_round_trip": round_trip,
        "ratios_p50_baseline_over": {"hydration_cold": _ratio(baseline, hydration["cold"]),
                                     "hydration_new_viewer": _ratio(baseline, hydration["new_viewer"]),
                                     "hydration_warm": _ratio(baseline, hydration["warm"]),
                                     "score_round_trip_warm": _ratio(baseline, round_trip["warm"]),
                                     "score_round_trip_new_viewer": _ratio(baseline, round_trip["new_viewer"])},
        "ratios_p95_baseline_over": {"hydration_warm": _ratio(baseline, hydration["warm"], "p95_ms"),
                                     "score_round_trip_warm": _ratio(baseline, round_trip["warm"], "p95_ms")},
    })


if __name__ == "__main__":
    main()
