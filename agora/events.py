"""The one place where event types and the event-lake schema are declared.

The API writes an outbox row per interaction in the same transaction as the change;
``agora pipeline export`` copies those rows into the Parquet lake with this schema.
Every later stage (Spark jobs, Feast sources, trainers) reads these names from here.
"""

from __future__ import annotations

from enum import StrEnum

import pyarrow as pa


class EventType(StrEnum):
    ACCOUNT_CREATED = "account.created"
    STATUS_CREATED = "status.created"
    STATUS_UPDATED = "status.updated"
    STATUS_DELETED = "status.deleted"
    REPLIED = "status.replied"
    REBLOGGED = "status.reblogged"
    UNREBLOGGED = "status.unreblogged"
    FAVOURITED = "status.favourited"
    UNFAVOURITED = "status.unfavourited"
    BOOKMARKED = "status.bookmarked"
    UNBOOKMARKED = "status.unbookmarked"
    PINNED = "status.pinned"
    UNPINNED = "status.unpinned"
    IMPRESSION = "status.impression"
    CLICKED = "status.clicked"
    HIDDEN = "status.hidden"
    REPORTED = "report.created"
    REPORT_RESOLVED = "report.resolved"
    FOLLOWED = "account.followed"
    UNFOLLOWED = "account.unfollowed"
    FOLLOW_REQUESTED = "account.follow_requested"
    BLOCKED = "account.blocked"
    UNBLOCKED = "account.unblocked"
    MUTED = "account.muted"
    UNMUTED = "account.unmuted"
    FOLLOW_REQUEST_AUTHORIZED = "account.follow_request_authorized"
    FOLLOW_REQUEST_REJECTED = "account.follow_request_rejected"
    ACCOUNT_UPDATED = "account.updated"
    SUGGESTION_DISMISSED = "suggestion.dismissed"
    NOTIFICATION_DISMISSED = "notification.dismissed"
    NOTIFICATIONS_CLEARED = "notification.cleared"
    MARKER_SAVED = "marker.saved"
    CONVERSATION_READ = "conversation.read"
    CONVERSATION_REMOVED = "conversation.removed"
    REPORT_UPDATED = "report.updated"
    MODERATION_ACTION = "moderation.action"
    MODERATION_VERDICT = "moderation.verdict"    # the policy's verdict on a post (or a rejected attempt)
    MODERATION_DECISION = "moderation.decision"  # a moderator's labelled decision (training data)
    EXPOSURE = "experiment.exposure"


#: Engagements a ranker learns from, with the head each one trains.
ENGAGEMENT_HEADS: dict[EventType, str] = {
    EventType.FAVOURITED: "like",
    EventType.REPLIED: "reply",
    EventType.REBLOGGED: "repost",
    EventType.CLICKED: "click",
    EventType.HIDDEN: "negative",
    EventType.REPORTED: "negative",
}

#: The moderation classes in their numeric order (0 hate, 1 offensive, 2 neither): Davidson et
#: al.'s ``class`` column, the ``moderation-text`` model's outputs, and the ``label`` / ``class``
#: of a ``moderation.decision`` payload.
MODERATION_LABELS: tuple[str, ...] = ("hate", "offensive", "neither")

#: Parquet schema of ``$AGORA_HOME/lake/events/date=YYYY-MM-DD/hour=HH/*.parquet``.
#: ``event_id`` is the outbox id: unique, increasing, the key of exactly-once export.
LAKE_SCHEMA = pa.schema([
    pa.field("event_id", pa.int64(), nullable=False),
    pa.field("event_type", pa.string(), nullable=False),
    pa.field("occurred_at", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("actor_id", pa.int64(), nullable=False),
    pa.field("status_id", pa.int64()),
    pa.field("author_id", pa.int64()),
    pa.field("target_account_id", pa.int64()),
    pa.field("payload", pa.string()),
])
