from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from agora.events import EventType
from agora.settings import Settings
from platform_api.errors import not_found, unprocessable
from platform_api.ids import utcnow
from platform_api.input_schemas import StatusEdit
from platform_api.repositories import accounts, media, outbox, status_edits, status_marks, statuses
from platform_api.moderation.moderator import Moderator
from platform_api.services.moderate_status import ModerateStatus
from platform_api.services.notify import Notify
from platform_api.streaming.after_commit import after_commit
from platform_api.streaming.deliveries import DeliverStatus, publish_after_commit
from platform_api.tables import Account, MediaAttachment, Status, StatusEdit as StatusEditRow, StatusTag
from platform_api.text import extract_mentions, render_status


class EditStatus:
    """Edit one's own status. Each revision is a ``StatusEdit`` row (the first edit also
    records the original), tags are recomputed, new mentions are added (old ones stay, as in
    Mastodon), media can be replaced; those who reblogged or favourited it get an ``update``
    notification, and streams hear ``status.update`` after commit. With a ``moderator`` the new
    text is moderated again, as a new post would be (a rejected edit is refused with 422)."""

    def __init__(self, session: Session, settings: Settings, moderator: Moderator | None = None):
        self.session = session
        self.settings = settings
        self.moderate = ModerateStatus(session, moderator) if moderator is not None else None

    def __call__(self, account: Account, status: Status, params: StatusEdit) -> Status:
        if status.account_id != account.id or status.deleted_at is not None:
            raise not_found()
        if status.reblog_of_id is not None:
            raise unprocessable("Validation failed: a reblog cannot be edited")
        text = params.status or ""
        media_ids = params.media_ids if params.media_ids is not None else \
            [m.id for m in media.of_status(self.session, status_id=status.id)]
        self._validate(text, media_ids)
        verdict = self.moderate.screen(account, text, params.spoiler_text) if self.moderate else None
        if not status_edits.has_revisions(self.session, status_id=status.id):
            self._revision(status, at=status.created_at)
        mentioned = accounts.ids_by_usernames(self.session, usernames=extract_mentions(text))
        rendered = render_status(text, self.settings.api_url, set(mentioned))
        status.text, status.content = text, rendered.html
        status.spoiler_text = params.spoiler_text
        status.sensitive = params.sensitive or bool(params.spoiler_text)
        if params.language:
            status.language = params.language
        status.edited_at = utcnow()
        self._retag(status, rendered.tags)
        self._add_mentions(account, status, [mentioned[u] for u in rendered.mentions])
        self._attach_media(account, status, media_ids)
        self._revision(status, at=status.edited_at)
        if self.moderate:
            self.moderate.apply(status, verdict)
        outbox.record_event(self.session, EventType.STATUS_UPDATED, actor_id=account.id, status_id=status.id,
                            author_id=account.id, occurred_at=status.edited_at,
                            payload={"tags": rendered.tags, "text_length": len(text), "text": text})
        notify = Notify(self.session)
        for engaged in status_marks.engaged_account_ids(self.session, status_id=status.id):
            notify(recipient_id=engaged, from_account_id=account.id, type="update", status_id=status.id)
        after_commit(self.session, publish_after_commit, DeliverStatus, status.id, event="status.update")
        return status

    def _validate(self, text: str, media_ids: list[int]) -> None:
        if not text.strip() and not media_ids:
            raise unprocessable("Validation failed: Text can't be blank")
        if len(text) > self.settings.max_status_chars:
            raise unprocessable(f"Validation failed: Text character limit of {self.settings.max_status_chars} exceeded")
        if len(media_ids) > 4:
            raise unprocessable("Validation failed: at most 4 media attachments")

    def _revision(self, status: Status, *, at) -> None:
        self.session.add(StatusEditRow(status_id=status.id, account_id=status.account_id, text=status.text,
                                       content=status.content, spoiler_text=status.spoiler_text,
                                       sensitive=status.sensitive, created_at=at))
        self.session.flush()

    def _retag(self, status: Status, tags: list[str]) -> None:
        self.session.execute(delete(StatusTag).where(StatusTag.status_id == status.id))
        statuses.attach_tags(self.session, status_id=status.id,
                             tag_ids=statuses.tag_ids(self.session, names=tags).values())

    def _add_mentions(self, account: Account, status: Status, account_ids: list[int]) -> None:
        present = set(statuses.mentions_for(self.session, status_ids=[status.id]).get(status.id, []))
        new = [a for a in dict.fromkeys(account_ids) if a not in present and a != account.id]
        statuses.attach_mentions(self.session, status_id=status.id, account_ids=new)
        notify = Notify(self.session)
        for mentioned_id in new:
            notify(recipient_id=mentioned_id, from_account_id=account.id, type="mention", status_id=status.id)

    def _attach_media(self, account: Account, status: Status, media_ids: list[int]) -> None:
        media.detach_from(self.session, status_id=status.id, keep=media_ids)
        for media_id in media_ids:
            attachment = self.session.get(MediaAttachment, media_id)
            if attachment is None or attachment.account_id != account.id or \
                    attachment.status_id not in (None, status.id):
                raise unprocessable(f"Validation failed: media {media_id} cannot be attached")
            if attachment.processing:
                raise unprocessable("Cannot attach files that have not finished processing. Try again in a moment!")
            attachment.status_id = status.id
