"""The transactional outbox: one row per interaction, added to the caller's session so it
commits (or rolls back) together with the change it describes."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.ids import utcnow
from platform_api.tables import OutboxEvent


def record_event(session: Session, event_type: EventType, *, actor_id: int,
                 status_id: int | None = None, author_id: int | None = None,
                 target_account_id: int | None = None, payload: dict | None = None,
                 occurred_at: datetime | None = None) -> OutboxEvent:
    event = OutboxEvent(
        event_type=str(event_type), actor_id=actor_id, status_id=status_id, author_id=author_id,
        target_account_id=target_account_id,
        payload=json.dumps(payload, separators=(",", ":")) if payload else None,
        occurred_at=occurred_at or utcnow(),
    )
    session.add(event)
    return event
