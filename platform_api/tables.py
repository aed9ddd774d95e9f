"""ORM tables of the social core. Wire shapes live in ``serializers/``; input schemas in
``schemas.py``; these classes are only storage."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text,
    TypeDecorator, UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from platform_api.db import Base
from platform_api.ids import snowflake_id, utcnow


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on every backend (SQLite and MySQL store naive values;
    MySQL also needs ``fsp=6`` to keep microseconds)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=dialect.name == "postgresql"))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


ID = BigInteger
AUTO_ID = BigInteger().with_variant(Integer, "sqlite")


def _id_column(**kw):
    return mapped_column(ID, primary_key=True, autoincrement=False, default=snowflake_id, **kw)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = _id_column()
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    bot: Mapped[bool] = mapped_column(Boolean, default=False)
    discoverable: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[str] = mapped_column(String(16), default="user")  # user | moderator | admin
    avatar_path: Mapped[str | None] = mapped_column(String(255))
    header_path: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followers_count: Mapped[int] = mapped_column(Integer, default=0)
    following_count: Mapped[int] = mapped_column(Integer, default=0)
    statuses_count: Mapped[int] = mapped_column(Integer, default=0)
    # Moderation state (admin account actions)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    silenced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sensitized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User | None] = relationship(back_populates="account", uselist=False)


class User(Base):
    """Login credentials and preferences of a local account."""

    __tablename__ = "users"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    feed_order: Mapped[str] = mapped_column(String(16), default="ranked")  # ranked | chronological
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="user")


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[int] = _id_column()
    name: Mapped[str] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    client_secret: Mapped[str] = mapped_column(String(64))
    redirect_uris: Mapped[str] = mapped_column(Text, default="urn:ietf:wg:oauth:2.0:oob")
    scopes: Mapped[str] = mapped_column(String(255), default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessToken(Base):
    """Bearer tokens, stored as a SHA-256 digest: a leaked database leaks no usable token."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = _id_column()
    token_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[str] = mapped_column(String(255), default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"

    id: Mapped[int] = _id_column()
    code_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Status(Base):
    __tablename__ = "statuses"
    __table_args__ = (
        Index("ix_statuses_account_id_id", "account_id", "id"),
        Index("ix_statuses_reblog_of", "reblog_of_id", "account_id"),
        Index("ix_statuses_moderation_state", "moderation_state"),  # the pending queue
    )

    id: Mapped[int] = _id_column()
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    spoiler_text: Mapped[str] = mapped_column(String(500), default="")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    visibility: Mapped[str] = mapped_column(String(16), default="public")  # public|unlisted|private|direct
    language: Mapped[str | None] = mapped_column(String(16))
    in_reply_to_id: Mapped[int | None] = mapped_column(ID, index=True)
    in_reply_to_account_id: Mapped[int | None] = mapped_column(ID)
    reblog_of_id: Mapped[int | None] = mapped_column(ID)
    conversation_id: Mapped[int | None] = mapped_column(ID, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # stories
    is_story: Mapped[bool] = mapped_column(Boolean, default=False)
    replies_count: Mapped[int] = mapped_column(Integer, default=0)
    reblogs_count: Mapped[int] = mapped_column(Integer, default=0)
    favourites_count: Mapped[int] = mapped_column(Integer, default=0)
    # Moderation: pending until classified; "limited" keeps it out of out-of-network reach.
    moderation_state: Mapped[str] = mapped_column(String(16), default="allowed")
    moderation_scores: Mapped[str | None] = mapped_column(Text)  # JSON
    limited: Mapped[bool] = mapped_column(Boolean, default=False)
    moderation_rule: Mapped[str | None] = mapped_column(String(128))    # the policy rule that fired
    moderation_action: Mapped[str | None] = mapped_column(String(32))   # allow, mark_sensitive, limit_reach…
    moderation_model: Mapped[str | None] = mapped_column(String(64))    # "moderation-text/<version>"
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(lazy="joined")


class StatusEdit(Base):
    __tablename__ = "status_edits"

    id: Mapped[int] = _id_column()
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ID)
    text: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    spoiler_text: Mapped[str] = mapped_column(String(500), default="")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaAttachment(Base):
    __tablename__ = "media_attachments"

    id: Mapped[int] = _id_column()
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status_id: Mapped[int | None] = mapped_column(ForeignKey("statuses.id", ondelete="SET NULL"), index=True)
    type: Mapped[str] = mapped_column(String(16), default="image")  # image | video | gifv | audio | unknown
    file_path: Mapped[str | None] = mapped_column(String(255))
    preview_path: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(64))
    blurhash: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[str | None] = mapped_column(Text)  # JSON
    perceptual_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    processing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("status_id", "account_id"),)

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True, index=True)  # lower-cased


class StatusTag(Base):
    __tablename__ = "status_tags"
    __table_args__ = (Index("ix_status_tags_tag_status", "tag_id", "status_id"),)

    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class _AccountPair:
    """Mixin for (account → target account) relations: follows, requests, blocks, mutes."""

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follow(_AccountPair, Base):
    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("account_id", "target_account_id"),)

    show_reblogs: Mapped[bool] = mapped_column(Boolean, default=True)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)


class FollowRequest(_AccountPair, Base):
    __tablename__ = "follow_requests"
    __table_args__ = (UniqueConstraint("account_id", "target_account_id"),)


class Block(_AccountPair, Base):
    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("account_id", "target_account_id"),)


class Mute(_AccountPair, Base):
    __tablename__ = "mutes"
    __table_args__ = (UniqueConstraint("account_id", "target_account_id"),)

    hide_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SuggestionDismissal(_AccountPair, Base):
    __tablename__ = "suggestion_dismissals"
    __table_args__ = (UniqueConstraint("account_id", "target_account_id"),)


class _AccountStatus:
    """Mixin for (account → status) marks: favourites, bookmarks, pins."""

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Favourite(_AccountStatus, Base):
    __tablename__ = "favourites"
    __table_args__ = (UniqueConstraint("account_id", "status_id"),)


class Bookmark(_AccountStatus, Base):
    __tablename__ = "bookmarks"
    __table_args__ = (UniqueConstraint("account_id", "status_id"),)


class Pin(_AccountStatus, Base):
    __tablename__ = "pins"
    __table_args__ = (UniqueConstraint("account_id", "status_id"),)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_account_id_id", "account_id", "id"),)

    id: Mapped[int] = _id_column()
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    from_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    status_id: Mapped[int | None] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Marker(Base):
    __tablename__ = "markers"
    __table_args__ = (UniqueConstraint("account_id", "timeline"),)

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    timeline: Mapped[str] = mapped_column(String(16))
    last_read_id: Mapped[int] = mapped_column(ID)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationParticipant(Base):
    """One row per (conversation, participant): the viewer's view of a direct thread."""

    __tablename__ = "conversation_participants"
    __table_args__ = (UniqueConstraint("conversation_id", "account_id"),)

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ID, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    last_status_id: Mapped[int | None] = mapped_column(ID)
    unread: Mapped[bool] = mapped_column(Boolean, default=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class HomeFeedEntry(Base):
    """The DB-backed fan-out cache: a status pushed into a follower's home feed."""

    __tablename__ = "home_feed_entries"
    __table_args__ = (
        UniqueConstraint("account_id", "status_id"),
        Index("ix_home_feed_account_status", "account_id", "status_id"),
    )

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ID, index=True)


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = _id_column()
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of ids
    category: Mapped[str] = mapped_column(String(16), default="other")  # spam|legal|violation|other
    comment: Mapped[str] = mapped_column(Text, default="")
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    model_scores: Mapped[str | None] = mapped_column(Text)  # JSON, from moderation
    rule_fired: Mapped[str | None] = mapped_column(String(128))
    assigned_account_id: Mapped[int | None] = mapped_column(ID)
    action_taken_by_account_id: Mapped[int | None] = mapped_column(ID)
    action_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    status_id: Mapped[int] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingDistribution(Base):
    """A committed status whose fan-out has not run yet: written in the request's transaction,
    removed once the status is in its followers' home feeds. What a crash leaves here, the API
    replays when it starts (and ``agora db redistribute`` on demand)."""

    __tablename__ = "pending_distributions"

    status_id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxEvent(Base):
    """Transactional outbox: written with the change it describes, drained to the lake.

    ``export_batch`` is set when ``agora pipeline export`` claims the row; a claimed batch
    is rewritten to the same file names after a crash, so export never loses or doubles."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    event_type: Mapped[str] = mapped_column(String(48))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ID)
    status_id: Mapped[int | None] = mapped_column(ID)
    author_id: Mapped[int | None] = mapped_column(ID)
    target_account_id: Mapped[int | None] = mapped_column(ID)
    payload: Mapped[str | None] = mapped_column(Text)
    export_batch: Mapped[int | None] = mapped_column(ID, index=True)


class ServedImpression(Base):
    """What the home feed showed a viewer, for the already-served filter and impressions."""

    __tablename__ = "served_impressions"
    __table_args__ = (UniqueConstraint("account_id", "status_id"),)

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status_id: Mapped[int] = mapped_column(ID)
    served_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    score: Mapped[float | None] = mapped_column(Float)


# --- appended: status verbs, timelines, search -------------------------------------------

#: Deleting a status removes it from every home feed by status id.
Index("ix_home_feed_entries_status", HomeFeedEntry.status_id)




class FeedbackSignal(Base):
    """Negative feedback on the home feed ("show less"): drives the feedback-fatigue heuristic."""

    __tablename__ = "feedback_signals"
    __table_args__ = (Index("ix_feedback_signals_account_created", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ID)
    status_id: Mapped[int | None] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(16), default="hide")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- pipelines: trends and analytics written by Spark jobs (pipelines/trends.py, analytics.py) ----

class TrendingTag(Base):
    """One row per trending tag, replaced as a whole by each ``agora pipeline trends`` run."""

    __tablename__ = "trending_tags"

    rank: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255))
    score: Mapped[float] = mapped_column(Float)
    uses_1h: Mapped[int] = mapped_column(Integer)
    uses_6h: Mapped[int] = mapped_column(Integer)
    accounts_6h: Mapped[int] = mapped_column(Integer)
    baseline_hourly: Mapped[float] = mapped_column(Float)
    history: Mapped[str] = mapped_column(Text)  # JSON: Mastodon's 7-day history, newest day first
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)


class TrendingStatus(Base):
    """One row per trending post, replaced as a whole by each ``agora pipeline trends`` run."""

    __tablename__ = "trending_statuses"

    rank: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status_id: Mapped[int] = mapped_column(ID)
    score: Mapped[float] = mapped_column(Float)
    engagements_1h: Mapped[int] = mapped_column(Integer)
    engagements_6h: Mapped[int] = mapped_column(Integer)
    baseline_hourly: Mapped[float] = mapped_column(Float)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)


class StatusEngagementHourly(Base):
    """Per-post engagement in one UTC hour (``agora pipeline analytics``; a re-run rewrites its hours)."""

    __tablename__ = "status_engagement_hourly"
    __table_args__ = (Index("ix_status_engagement_hourly_hour", "hour"),)

    status_id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ID)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    reposts: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)


class CreatorSummary(Base):
    """Per-author totals over every post's engagement (``agora pipeline analytics``)."""

    __tablename__ = "creator_summaries"

    author_id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    posts_engaged: Mapped[int] = mapped_column(Integer)
    impressions: Mapped[int] = mapped_column(Integer)
    likes: Mapped[int] = mapped_column(Integer)
    replies: Mapped[int] = mapped_column(Integer)
    reposts: Mapped[int] = mapped_column(Integer)
    clicks: Mapped[int] = mapped_column(Integer)
    engagement_rate: Mapped[float | None] = mapped_column(Float)
    last_hour: Mapped[datetime] = mapped_column(UTCDateTime)


class MediaBlock(Base):
    """A perceptual hash (pHash, 16 hex digits) moderators blocked: image uploads within
    ``Settings.media_block_distance`` bits of it are refused. ``account_id`` is the moderator
    (None when a removal for cause added it); the attachment and status say where it came from."""

    __tablename__ = "media_blocks"

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    phash: Mapped[str] = mapped_column(String(16), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    account_id: Mapped[int | None] = mapped_column(ID)
    media_attachment_id: Mapped[int | None] = mapped_column(ID)
    status_id: Mapped[int | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
