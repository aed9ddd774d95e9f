"""Time-ordered 64-bit IDs, as Mastodon's: milliseconds since the epoch in the high bits,
a per-process sequence in the low 16. Sorting by ID is sorting by creation time, which is
what ``max_id`` / ``since_id`` pagination relies on."""

from __future__ import annotations

import itertools
import os
import threading
from datetime import UTC, datetime

_lock = threading.Lock()
_sequence = itertools.count(int.from_bytes(os.urandom(2), "big"))


def snowflake_id(at: datetime | None = None) -> int:
    at = at or datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    millis = int(at.timestamp() * 1000)
    with _lock:
        low = next(_sequence) & 0xFFFF
    return (millis << 16) | low


def id_floor(at: datetime) -> int:
    """The smallest ID that could have been created at ``at`` (for time-range queries)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return int(at.timestamp() * 1000) << 16


def utcnow() -> datetime:
    return datetime.now(UTC)
