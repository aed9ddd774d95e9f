"""The BentoML ranker service as operators start it (a real ``bentoml serve`` subprocess),
called over HTTP with the client the API's feed uses."""

from __future__ import annotations

import math
import os
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

import ml_chain
from agora.events import EventType
from agora.settings import REPO_ROOT
from models.ranker.predictor import load_registered
from serving.ranker.client import RankerClient, RankerUnavailable

BENTOML = str(Path(sys.executable).with_name("bentoml"))
START_TIMEOUT_S = 240  # ~10 s on an idle 2-core box; shared CI machines are far slower


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return ml_chain.chain(tmp_path_factory).ranker()


@pytest.fixture(scope="module")
def service(chain):
    """``bentoml serve serving.ranker.service:RankerService --port P`` with AGORA_HOME set, cwd = repo."""
    port = ml_chain.free_port()
    home = chain.settings.home
    env = {**os.environ, "AGORA_HOME": str(home), "AGORA_SERVING_PORT": str(port),
           "BENTOML_HOME": str(home / "bentoml"), "BENTOML_DO_NOT_TRACK": "true"}
    log = open(home / "ranker-service.log", "wb")
    started = time.perf_counter()
    process = subprocess.Popen([BENTOML, "serve", "serving.ranker.service:RankerService", "--port", str(port)],
                               cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, process, home / "ranker-service.log")
        print(f"\nranker service ready after {time.perf_counter() - started:.1f} s")
        yield {"url": base_url, "process": process}
    finally:
        _stop(process)
        log.close()


def _wait_ready(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.time() + START_TIMEOUT_S
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bentoml exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"ranker service not ready in {START_TIMEOUT_S} s:\n{log_path.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (bentoml + its worker), then wait."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.fixture(scope="module")
def candidates(chain):
    lake = pd.read_parquet(chain.settings.events_dir)
    posts = lake[lake["event_type"] == str(EventType.STATUS_CREATED)].head(1000)
    return {"status_ids": posts["status_id"].tolist(), "author_ids": posts["author_id"].tolist(),
            "ages_seconds": [3_600.0 * (i % 48) for i in range(len(posts))]}


def metric_value(metrics: str, name: str, *labels: str) -> float:
    """The sum of ``name``'s samples carrying every one of ``labels`` in Prometheus text ``metrics``."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith(name + "{") and all(label in line for label in labels))


def test_healthz_and_readyz_are_bentomls_own(service):
    for path in ("/healthz", "/readyz", "/livez"):
        assert httpx.get(service["url"] + path, timeout=5).status_code == 200


def test_score_returns_one_score_per_candidate_in_order(service, chain, candidates):
    viewer = ml_chain.ACCOUNTS[20]
    with RankerClient(service["url"], timeout_s=30) as client:
        scores, model = client.score(viewer, **candidates)
        reversed_scores, _ = client.score(viewer, candidates["status_ids"][::-1], candidates["author_ids"][::-1],
                                          candidates["ages_seconds"][::-1])
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            client.score(viewer, **candidates)
            timings.append(time.perf_counter() - started)
        single = []
        for _ in range(5):
            started = time.perf_counter()
            client.score(viewer, candidates["status_ids"][:1], candidates["author_ids"][:1], [60.0])
            single.append(time.perf_counter() - started)
    print(f"\nscore latency over HTTP: {len(scores)} candidates median {statistics.median(timings) * 1000:.0f} ms, "
          f"1 candidate median {statistics.median(single) * 1000:.0f} ms")

    assert model == f"ranker/{chain.results['ranker'].version}"
    assert len(scores) == len(candidates["status_ids"]) and all(math.isfinite(s) for s in scores)
    assert reversed_scores == pytest.approx(scores[::-1], abs=1e-6)
    frame = pd.DataFrame({"author": candidates["author_ids"], "score": scores})
    popular = frame["author"].isin(ml_chain.POPULAR_AUTHORS)
    assert frame.loc[popular, "score"].mean() > frame.loc[~popular, "score"].mean() + 0.1


def test_score_carries_each_heads_probability_and_their_weighted_sum(service, chain, candidates):
    predictor, _ = load_registered(chain.settings)
    payload = {"viewer_id": ml_chain.ACCOUNTS[20], "status_ids": candidates["status_ids"][:50],
               "author_ids": candidates["author_ids"][:50], "ages_seconds": candidates["ages_seconds"][:50]}
    assert "heads" not in httpx.post(service["url"] + "/score", json={"requests": [payload]}, timeout=30).json()[0]
    (body,) = httpx.post(service["url"] + "/score", json={"requests": [{**payload, "with_heads": True}]},
                         timeout=30).json()

    assert list(body["heads"]) == list(predictor.heads)
    probabilities = np.array([body["heads"][h] for h in predictor.heads]).T
    assert probabilities.shape == (50, len(predictor.heads)) and ((probabilities > 0) & (probabilities < 1)).all()
    assert body["scores"] == pytest.approx(predictor.combine(probabilities).tolist(), abs=1e-9)


def test_requests_scored_in_one_batch_each_get_their_own_scores(service, candidates):
    """Adaptive batching: one HTTP call carrying two feed requests, and sixteen concurrent calls
    that the service may merge, answer exactly what each request gets alone, in its own order."""
    viewers = ml_chain.ACCOUNTS[40:56]
    sizes = [1 + (i * 37) % len(candidates["status_ids"]) for i in range(len(viewers))]

    def request(viewer: int, size: int) -> dict:
        return {"viewer_id": viewer, **{k: v[:size] for k, v in candidates.items()}}

    with RankerClient(service["url"], timeout_s=30) as client:
        alone = [client.score(**request(v, n))[0] for v, n in zip(viewers, sizes)]
    both = httpx.post(service["url"] + "/score", timeout=30,
                      json={"requests": [request(viewers[0], sizes[0]), request(viewers[1], sizes[1])]}).json()
    with ThreadPoolExecutor(len(viewers)) as pool:
        together = list(pool.map(lambda job: httpx.post(service["url"] + "/score", timeout=30,
                                                        json={"requests": [request(*job)]}).json()[0],
                                 zip(viewers, sizes)))

    # The same up to float32 rounding (a forward pass over more rows may sum in another order).
    assert [b["scores"] for b in both] == [pytest.approx(alone[0], abs=1e-6), pytest.approx(alone[1], abs=1e-6)]
    assert [t["scores"] for t in together] == [pytest.approx(a, abs=1e-6) for a in alone]
    metrics = httpx.get(service["url"] + "/metrics", timeout=5).text
    batches = {le: metric_value(metrics, "agora_ranker_batch_requests_bucket", f'le="{le}"') for le in ("1.0", "+Inf")}
    assert batches["+Inf"] > batches["1.0"]  # at least one batch scored more than one request
    print(f"\nbatches (cumulative by size): {batches}")


def test_unknown_entities_and_empty_requests_still_score(service):
    with RankerClient(service["url"], timeout_s=30) as client:
        scores, _ = client.score(999_999, [123_456_789], [888_888], [30.0])
        assert len(scores) == 1 and math.isfinite(scores[0])
        assert client.score(ml_chain.ACCOUNTS[0], [], [], [])[0] == []


def test_bad_requests_and_timeouts_raise_ranker_unavailable(service, candidates):
    with RankerClient(service["url"], timeout_s=30) as client:
        with pytest.raises(RankerUnavailable, match="400"):
            client.score(ml_chain.ACCOUNTS[0], [1, 2], [3], [0.0])
    with RankerClient(service["url"], timeout_s=0.001) as hurried:
        with pytest.raises(RankerUnavailable, match="timed out"):
            hurried.score(ml_chain.ACCOUNTS[0], **candidates)


def test_reload_loads_the_current_champion(service, chain, monkeypatch):
    from agora.cli import main
    from agora.settings import reset_settings_cache

    monkeypatch.setenv("AGORA_HOME", str(chain.settings.home))
    monkeypatch.setenv("AGORA_SERVING_PORT", service["url"].rsplit(":", 1)[1])
    reset_settings_cache()
    assert main(["serve", "reload"]) == 0
    champion = load_registered(chain.settings)[1]
    with RankerClient(service["url"], timeout_s=30) as client:
        assert client.score(ml_chain.ACCOUNTS[0], [1], [ml_chain.AUTHORS[0]], [5.0])[1] == f"ranker/{champion}"


def test_metrics_count_hydration_and_cache_rows_per_view(service, candidates):
    with RankerClient(service["url"], timeout_s=30) as client:
        for _ in range(2):  # the second request finds every row in the hot-row cache
            client.score(ml_chain.ACCOUNTS[30], **candidates)
    metrics = httpx.get(service["url"] + "/metrics", timeout=5).text

    rows = len(candidates["status_ids"])
    assert metric_value(metrics, "agora_ranker_feature_rows_total", 'view="post_engagement"', 'result="hit"') >= rows
    assert metric_value(metrics, "agora_ranker_feature_rows_total", 'view="viewer_author_affinity"',
                        'result="miss"') > 0
    assert metric_value(metrics, "agora_ranker_hydration_seconds_count", 'alias="champion"') >= 2
    # The first request read the viewer × author pairs from the online store, and that took time.
    assert metric_value(metrics, "agora_ranker_feast_view_read_seconds_total", 'view="viewer_author_affinity"') > 0


def test_client_raises_once_the_service_is_stopped(service, candidates):
    client = RankerClient(service["url"], timeout_s=5)
    client.score(ml_chain.ACCOUNTS[0], candidates["status_ids"][:3], candidates["author_ids"][:3], [1.0, 2.0, 3.0])
    _stop(service["process"])
    with pytest.raises(RankerUnavailable, match="unreachable"):
        client.score(ml_chain.ACCOUNTS[0], candidates["status_ids"][:3], candidates["author_ids"][:3],
                     [1.0, 2.0, 3.0])
    client.close()
