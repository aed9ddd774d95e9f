"""Outbox → lake export: every event lands in exactly one file, whatever step crashes.

Runs on SQLite and, when their servers are up, on PostgreSQL and MariaDB (``database_url``)."""

from __future__ import annotations

import os
from datetime import UTC

import pyarrow.dataset as ds
import pytest
from sqlalchemy import func, select

from agora.events import LAKE_SCHEMA
from agora.settings import get_settings, reset_settings_cache
from ml_chain import insert_world, synthetic_events
from pipelines import export
from pipelines.export import claim_batch, export_outbox, write_batch
from platform_api.db import session_scope
from platform_api.tables import OutboxEvent

N_EVENTS = 2_500


@pytest.fixture(scope="module")
def world():
    world = synthetic_events(seed=11)
    world.rows = world.rows[:N_EVENTS]
    return world


@pytest.fixture
def outbox(database_url, agora_home, world):
    """Settings of a fresh home (and database) whose outbox holds N_EVENTS synthetic events."""
    reset_settings_cache()
    settings = get_settings()
    return settings, world, insert_world(settings, world)


def lake_table(settings):
    return ds.dataset(settings.events_dir, format="parquet", partitioning="hive").to_table()


def outbox_count(settings, *, claimed: bool | None = None) -> int:
    query = select(func.count()).select_from(OutboxEvent)
    if claimed is not None:
        query = query.where(OutboxEvent.export_batch.is_not(None) if claimed else OutboxEvent.export_batch.is_(None))
    with session_scope(settings) as session:
        return session.scalar(query)


def assert_exactly_once(settings, ids):
    table = lake_table(settings)
    assert sorted(table["event_id"].to_pylist()) == sorted(ids)
    assert outbox_count(settings) == 0
    assert not list(settings.events_dir.rglob("*.tmp")), "a temp file was left visible"


def test_export_writes_each_event_once_into_its_hour_partition(outbox):
    settings, world, ids = outbox

    result = export_outbox(settings, batch_size=700, progress=False)

    assert (result.events, result.batches) == (N_EVENTS, 4)
    assert_exactly_once(settings, ids)
    for path in result.files:
        table = ds.dataset(path, format="parquet").to_table()
        assert table.schema.equals(LAKE_SCHEMA, check_metadata=False)
        date_part, hour_part = path.parent.parent.name, path.parent.name
        for at in table["occurred_at"].to_pylist():
            assert at.tzinfo is not None
            assert (date_part, hour_part) == (f"date={at.astimezone(UTC):%Y-%m-%d}", f"hour={at.astimezone(UTC):%H}")
    # Rows keep their content: compare one event field by field.
    first = lake_table(settings).filter(ds.field("event_id") == ids[0]).to_pylist()[0]
    original = world.rows[0]
    assert first["event_type"] == original["event_type"]
    assert first["occurred_at"] == original["occurred_at"]
    assert (first["actor_id"], first["status_id"], first["author_id"], first["target_account_id"], first["payload"]) \
        == (original["actor_id"], original["status_id"], original["author_id"], original["target_account_id"],
            original["payload"])
    # Nothing left: a second run writes nothing.
    assert export_outbox(settings, progress=False).events == 0


def test_crash_between_partition_files_is_repaired_by_the_next_run(outbox, monkeypatch):
    settings, _, ids = outbox
    real_replace, calls = os.replace, []

    def replace_then_crash(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError("simulated crash while publishing the third partition file")
        return real_replace(src, dst)

    monkeypatch.setattr(export.os, "replace", replace_then_crash)
    with pytest.raises(OSError, match="simulated crash"):
        export_outbox(settings, batch_size=1_000, progress=False)
    monkeypatch.setattr(export.os, "replace", real_replace)

    # The crash left two published files of a claimed batch, and every row still in the outbox.
    assert len(list(settings.events_dir.rglob("batch-*.parquet"))) == 2
    assert outbox_count(settings) == N_EVENTS
    assert outbox_count(settings, claimed=True) == 1_000

    export_outbox(settings, batch_size=1_000, progress=False)
    assert_exactly_once(settings, ids)


def test_crash_after_claim_or_before_delete_neither_loses_nor_doubles(outbox):
    settings, _, ids = outbox
    # Run 1 dies right after claiming; run 2 dies after writing every file, before deleting.
    first = claim_batch(settings, 800)
    second = claim_batch(settings, 800)
    files, count = write_batch(settings, second)
    assert (first, count) == (ids[0], 800) and files

    result = export_outbox(settings, batch_size=800, progress=False)

    assert result.events == N_EVENTS
    assert_exactly_once(settings, ids)
