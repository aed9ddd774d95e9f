"""The model status page's facts, read from a real MLflow registry, this process's Prometheus
counters and pipeline output under ``AGORA_HOME``."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from platform_api.feed.metrics import FEED_REQUESTS
from platform_api.web import model_status


def _counter(ranking: str) -> float:
    return REGISTRY.get_sample_value("agora_feed_requests_total", {"ranking": ranking}) or 0.0


@pytest.mark.slow  # MLflow builds its SQLite registry schema
def test_served_versions_come_from_registry_aliases(settings, tmp_path):
    from mlflow import MlflowClient

    assert model_status.served_versions(settings) is None  # no registry yet, and none created by asking
    assert not (settings.home / "mlflow.db").exists()
    client = MlflowClient(tracking_uri=settings.mlflow_uri, registry_uri=settings.mlflow_uri)
    client.create_registered_model("ranker")
    for _ in range(2):
        client.create_model_version("ranker", source=str(tmp_path))
    client.set_registered_model_alias("ranker", "champion", "2")
    client.set_registered_model_alias("ranker", "challenger", "1")
    served = {(s.model, s.alias): s.version for s in model_status.served_versions(settings)}
    assert served == {("ranker", "champion"): "2", ("ranker", "challenger"): "1"}


def test_fallback_rate_is_this_process_counter():
    before = model_status.fallback_rates()[0]
    FEED_REQUESTS.labels("fallback").inc()
    FEED_REQUESTS.labels("model").inc(3)
    after = model_status.fallback_rates()[0]
    assert after.fallbacks == before.fallbacks + 1 and after.total == before.total + 4
    assert after.rate == (_counter("fallback")) / (_counter("fallback") + _counter("model"))


def test_pipeline_marks_name_the_newest_partition(settings):
    assert [m.latest for m in model_status.pipeline_marks(settings)] == [None, None, None]
    for hour in ("hour=3", "hour=11", "hour=9"):
        (settings.events_dir / "date=2026-11-24" / hour).mkdir(parents=True)
    assert model_status.pipeline_marks(settings)[0].latest == "date=2026-11-24/hour=11"
