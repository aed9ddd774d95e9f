from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agora.events import EventType
from agora.settings import Settings
from platform_api.errors import not_found, unprocessable
from platform_api.ids import snowflake_id
from platform_api.repositories import accounts, idempotency, outbox, statuses
from platform_api.schemas import StatusCreate
from platform_api.moderation.moderator import Moderator
from platform_api.services.moderate_status import ModerateStatus
from platform_api.services.notify import Notify
from platform_api.services.track_conversation import TrackConversation
from platform_api.tables import Account, MediaAttachment, Status
from platform_api.text import extract_mentions, render_status


def status_created_payload(*, tags: list[str], visibility: str, reply: bool, text: str,
                           language: str | None) -> dict:
    """The ``status.created`` event payload (shared with bulk import). The text itself rides
    along for the models: spam (near-duplicate posts, link and mention ratios) and retrieval
    (the post tower embeds it), which read posts from the lake, not from the database."""
    return {"tags": tags, "visibility": visibility, "reply": reply, "text_length": len(text), "language": language,
            "text": text}


class PostStatus:
    """Create a status with its tags, mentions, counters, notifications and outbox events,
    all in the caller's transaction. Delivery to home feeds is ``FanOutOnWrite``'s job, run
    after commit.

    With an ``idempotency_key`` the same (account, key) yields the same status: a retry gets
    the first one back and ``replayed`` is set (the caller must not distribute it again).
    The key row is claimed first, so of two concurrent requests one waits for the other and
    then replays it; that loser's transaction is rolled back, and held nothing else yet.

    With a ``moderator`` the text is screened by the moderation policy before anything is
    written (``ModerateStatus``): a rejected post is refused with 422, and the verdict (or
    ``pending`` when the model service is unavailable) is stored on the new status."""

    def __init__(self, session: Session, settings: Settings, moderator: Moderator | None = None):
        self.session = session
        self.settings = settings
        self.moderate = ModerateStatus(session, moderator) if moderator is not None else None
        self.replayed = False

    def __call__(self, account: Account, params: StatusCreate, *, created_at: datetime | None = None,
                 idempotency_key: str | None = None) -> Status:
        text = params.status or ""
        self._validate(text, params)
        verdict = self.moderate.screen(account, text, params.spoiler_text) if self.moderate else None
        status_id = snowflake_id(created_at)
        if idempotency_key:
            earlier = self._claim(account, idempotency_key[:128], status_id)
            if earlier is not None:
                self.replayed = True
                return earlier
        parent = self._parent(params.in_reply_to_id)
        mentioned = accounts.ids_by_usernames(self.session, usernames=extract_mentions(text))
        rendered = render_status(text, self.settings.api_url, set(mentioned))
        status = Status(
            account_id=account.id, text=text, content=rendered.html, spoiler_text=params.spoiler_text,
            sensitive=params.sensitive or bool(params.spoiler_text), visibility=params.visibility,
            language=params.language,
            in_reply_to_id=parent.id if parent else None,
            in_reply_to_account_id=parent.account_id if parent else None,
        )
        status.id = status_id
        if created_at is not None:
            status.created_at = created_at
        self.session.add(status)
        self.session.flush()
        status.conversation_id = parent.conversation_id if parent else status.id
        self._attach_media(account, status, params.media_ids)
        statuses.attach_tags(self.session, status_id=status.id,
                             tag_ids=statuses.tag_ids(self.session, names=rendered.tags).values())
        mention_ids = [mentioned[u] for u in rendered.mentions if mentioned[u] != account.id]
        statuses.attach_mentions(self.session, status_id=status.id, account_ids=mention_ids)
        accounts.add_to_counter(self.session, account_id=account.id, column="statuses_count", delta=1)
        account.last_status_at = status.created_at
        self._record(account, status, parent, rendered.tags)
        self._notify(account, status, parent, mention_ids)
        TrackConversation(self.session)(status, mention_ids)
        if self.moderate:
            self.moderate.apply(status, verdict)
        return status

    def _claim(self, account: Account, key: str, status_id: int) -> Status | None:
        """The status an earlier request with this key made, or ``None`` once the key is ours."""
        earlier = idempotency.status_id_for(self.session, account_id=account.id, key=key)
        if earlier is None:
            try:
                idempotency.claim(self.session, account_id=account.id, key=key, status_id=status_id)
                return None
            except IntegrityError:
                self.session.rollback()  # a concurrent request with this key committed first
                earlier = idempotency.status_id_for(self.session, account_id=account.id, key=key, locking=True)
        status = self.session.get(Status, earlier, populate_existing=True) if earlier is not None else None
        if status is None:
            raise unprocessable("Validation failed: this Idempotency-Key was used for a status that is gone")
        return status

    def _validate(self, text: str, params: StatusCreate) -> None:
        if not text.strip() and not params.media_ids:
            raise unprocessable("Validation failed: Text can't be blank")
        if len(text) > self.settings.max_status_chars:
            raise unprocessable(f"Validation failed: Text character limit of {self.settings.max_status_chars} exceeded")
        if len(params.media_ids) > 4:
            raise unprocessable("Validation failed: at most 4 media attachments")

    def _parent(self, in_reply_to_id: int | None) -> Status | None:
        if in_reply_to_id is None:
            return None
        parent = statuses.get(self.session, status_id=in_reply_to_id)
        if parent is None:
            raise not_found("Replied-to status")
        return parent

    def _attach_media(self, account: Account, status: Status, media_ids: list[int]) -> None:
        for media_id in media_ids:
            media = self.session.get(MediaAttachment, media_id)
            if media is None or media.account_id != account.id or media.status_id is not None:
                raise unprocessable(f"Validation failed: media {media_id} cannot be attached")
            if media.processing:
                raise unprocessable("Cannot attach files that have not finished processing. Try again in a moment!")
            media.status_id = status.id

    def _record(self, account: Account, status: Status, parent: Status | None, tags: list[str]) -> None:
        outbox.record_event(self.session, EventType.STATUS_CREATED, actor_id=account.id, status_id=status.id,
                            author_id=account.id, occurred_at=status.created_at,
                            payload=status_created_payload(tags=tags, visibility=status.visibility,
                                                           reply=parent is not None, text=status.text,
                                                           language=status.language))
        if parent is not None:
            statuses.add_to_counter(self.session, status_id=parent.id, column="replies_count", delta=1)
            outbox.record_event(self.session, EventType.REPLIED, actor_id=account.id, status_id=parent.id,
                                author_id=parent.account_id, occurred_at=status.created_at,
                                payload={"reply_id": status.id})

    def _notify(self, account: Account, status: Status, parent: Status | None, mention_ids: list[int]) -> None:
        notify = Notify(self.session)
        for mentioned_id in mention_ids:
            notify(recipient_id=mentioned_id, from_account_id=account.id, type="mention", status_id=status.id)
        if parent is not None and parent.account_id not in mention_ids:
            notify(recipient_id=parent.account_id, from_account_id=account.id, type="mention", status_id=status.id)
