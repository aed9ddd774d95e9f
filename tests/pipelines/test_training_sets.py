"""Training-sets job on a lake written by the real export: point-in-time labels per head, the
follow split, moderation decisions; a re-run writes nothing, a rebuild the same rows, and a late
like labels the impression it follows (the day before the like's own day is rewritten too)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow.dataset as ds
import pytest
from sqlalchemy import insert

from agora.events import EventType
from pipelines import training_sets
from pipelines.export import export_outbox
from platform_api.db import create_schema, session_scope
from platform_api.tables import OutboxEvent

DAY0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
VIEWER, OTHER, AUTHOR, MODERATOR, STATUS = 1, 2, 7, 99, 100
pytestmark = pytest.mark.slow


def event(kind, at, actor, status=None, author=None, target=None, payload=None) -> dict:
    return {"event_type": str(kind), "occurred_at": at, "actor_id": actor, "status_id": status, "author_id": author,
            "target_account_id": target, "payload": json.dumps(payload) if payload else None}


def add_and_export(settings, rows: list[dict]) -> None:
    create_schema(settings)
    with session_scope(settings) as session:
        session.execute(insert(OutboxEvent), rows)
    export_outbox(settings, progress=False)


def read(settings, name: str) -> list[dict]:
    table = ds.dataset(training_sets.training_dir(settings) / name, format="parquet", partitioning="hive").to_table()
    return sorted(table.to_pylist(), key=lambda r: r["event_id" if "event_id" in r else "impression_id"])


def test_labels_split_rerun_and_late_engagement(settings):
    shown = DAY0 + timedelta(days=1)
    add_and_export(settings, [
        event(EventType.FOLLOWED, DAY0, VIEWER, target=AUTHOR),
        event(EventType.STATUS_CREATED, DAY0, AUTHOR, status=STATUS, author=AUTHOR),
        event(EventType.FAVOURITED, shown - timedelta(minutes=5), OTHER, status=STATUS, author=AUTHOR),
        event(EventType.IMPRESSION, shown, VIEWER, status=STATUS, author=AUTHOR),
        event(EventType.IMPRESSION, shown, OTHER, status=STATUS, author=AUTHOR),  # liked *before*: label 0
        event(EventType.CLICKED, shown + timedelta(seconds=30), VIEWER, status=STATUS, author=AUTHOR),
        event(EventType.REBLOGGED, shown + timedelta(hours=30), VIEWER, status=STATUS, author=AUTHOR),  # too late
        event(EventType.FOLLOWED, shown + timedelta(days=2), OTHER, target=AUTHOR),
        event(EventType.MODERATION_DECISION, shown + timedelta(days=2), MODERATOR, status=STATUS, author=AUTHOR,
              payload={"decision": "uphold", "label": "offensive", "class": 1, "text": "…"}),
    ])

    first = training_sets.run(settings, master="local[2]")

    ranker = {r["viewer_id"]: r for r in read(settings, "ranker")}
    assert {h: ranker[VIEWER][f"label_{h}"] for h in training_sets.HEADS} == \
        {"click": 1, "like": 0, "negative": 0, "reply": 0, "repost": 0}
    assert all(ranker[OTHER][f"label_{h}"] == 0 for h in training_sets.HEADS)
    assert ranker[VIEWER]["event_timestamp"] == shown
    follows = read(settings, "follows")
    assert [(f["follower_id"], f["followee_id"]) for f in follows] == [(VIEWER, AUTHOR), (OTHER, AUTHOR)]
    split = json.loads((training_sets.training_dir(settings) / "follows" / "_split.json").read_text())
    assert split["valid_from"] == (shown + timedelta(days=1)).date().isoformat()
    (decision,) = read(settings, "moderation")
    assert (decision["moderator_id"], decision["decision"], decision["label"]) == (MODERATOR, "uphold", "offensive")
    assert first.rows == {"ranker": 2, "follows": 2, "moderation": 1}

    before = {name: read(settings, name) for name in ("ranker", "follows", "moderation")}
    assert training_sets.run(settings, master="local[2]").rows == {}  # nothing new: nothing written
    training_sets.run(settings, master="local[2]", rebuild=True)
    assert {name: read(settings, name) for name in before} == before

    # A like 20 hours after the impression (the next day), exported late.
    add_and_export(settings, [event(EventType.FAVOURITED, shown + timedelta(hours=20), VIEWER, status=STATUS,
                                    author=AUTHOR)])
    late = training_sets.run(settings, master="local[2]")
    assert late.touched_days == [shown.date(), (shown + timedelta(hours=20)).date()]
    ranker = {r["viewer_id"]: r for r in read(settings, "ranker")}
    assert (ranker[VIEWER]["label_like"], ranker[VIEWER]["label_click"]) == (1, 1)
    assert read(settings, "follows") == before["follows"]
