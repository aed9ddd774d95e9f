"""The home feed's impressions written in batches (``feed_impression_flush_seconds``): through the
API on the test's own SQLite database, with the writer's own thread."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import event, func, select

from agora.settings import get_settings, reset_settings_cache
from platform_api.db import get_engine, session_scope
from platform_api.feed.side_effects.impressions import ImpressionLog
from platform_api.main import create_app
from platform_api.tables import OutboxEvent, ServedImpression
from tests.platform_api.test_foundation_slice import register


def _impressions(settings) -> tuple[int, int]:
    """(impression events in the outbox, served-impression rows)."""
    with session_scope(settings) as session:
        return (session.scalar(select(func.count()).select_from(OutboxEvent)
                               .where(OutboxEvent.event_type == "status.impression")),
                session.scalar(select(func.count()).select_from(ServedImpression)))


def _readers_of_bo(client, count: int) -> list[dict]:
    """``count`` accounts following bo, who posted 3 times: their auth headers."""
    bo = register(client, "bo")
    bo_id = client.get("/api/v1/accounts/verify_credentials", headers=bo).json()["id"]
    readers = [register(client, f"reader{i}") for i in range(count)]
    for reader in readers:
        client.post(f"/api/v1/accounts/{bo_id}/follow", headers=reader)
    for i in range(3):
        client.post("/api/v1/statuses", headers=bo, data={"status": f"post {i}"})
    return readers


def _batching(agora_home, monkeypatch, seconds: str):
    monkeypatch.setenv("AGORA_FEED_IMPRESSION_FLUSH_SECONDS", seconds)
    reset_settings_cache()
    return get_settings()


def test_queued_impressions_are_written_at_shutdown_in_one_batch(agora_home, monkeypatch):
    settings = _batching(agora_home, monkeypatch, "3600")   # the interval never comes: only shutdown writes
    statements = []

    def count(_connection, _cursor, statement, *_):
        statements.append(" ".join(statement.split()[:3]))

    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        readers = _readers_of_bo(client, 4)
        for reader in readers:
            assert len(client.get("/api/v1/timelines/home", headers=reader).json()) == 3
        assert _impressions(settings) == (0, 0)                      # queued, not written yet
        event.listen(get_engine(settings), "before_cursor_execute", count)
    event.remove(get_engine(settings), "before_cursor_execute", count)
    assert _impressions(settings) == (12, 12)
    # 4 pages, one transaction: the events, which pairs were already served, the new pairs.
    assert statements == ["INSERT INTO outbox_events", "SELECT served_impressions.account_id, served_impressions.status_id",
                          "INSERT INTO served_impressions"]


def test_the_writer_thread_writes_every_interval(agora_home, monkeypatch):
    settings = _batching(agora_home, monkeypatch, "0.05")
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        reader, = _readers_of_bo(client, 1)
        client.get("/api/v1/timelines/home", headers=reader)
        deadline = time.monotonic() + 10
        while _impressions(settings) != (3, 3) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _impressions(settings) == (3, 3)


def test_a_failed_write_is_counted_and_never_raises(agora_home, monkeypatch):
    settings = _batching(agora_home, monkeypatch, "0")
    failed = REGISTRY.get_sample_value("agora_feed_impressions_written_total", {"result": "failed"}) or 0.0
    log = ImpressionLog(settings, 0)      # no schema in this home: the write fails
    log.record(1, [(10, 2), (11, 2)])
    assert REGISTRY.get_sample_value("agora_feed_impressions_written_total", {"result": "failed"}) == failed + 2
