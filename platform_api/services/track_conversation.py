from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import not_found
from platform_api.repositories import conversations, outbox, statuses
from platform_api.tables import Account, ConversationParticipant, Status
from platform_api.visibility import VisibleStatuses


class TrackConversation:
    """After a ``direct`` status is flushed (``PostStatus``): its author and the accounts it
    mentions are the thread's participants; the message is unread for all but the author.
    Direct messages to several accounts are group chats: every participant sees the others."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, status: Status, mentioned_ids: Iterable[int]) -> None:
        if status.visibility != "direct":
            return
        conversations.record_message(self.session, conversation_id=status.conversation_id or status.id,
                                     status_id=status.id, author_id=status.account_id,
                                     participant_ids=mentioned_ids)


def participant_or_404(session: Session, account: Account, participant_id: int) -> ConversationParticipant:
    row = conversations.get(session, account_id=account.id, participant_id=participant_id)
    if row is None:
        raise not_found()
    return row


class ReadConversation:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, participant_id: int) -> ConversationParticipant:
        row = participant_or_404(self.session, account, participant_id)
        if row.unread:
            row.unread = False
            outbox.record_event(self.session, EventType.CONVERSATION_READ, actor_id=account.id,
                                status_id=row.last_status_id, payload={"conversation_id": row.conversation_id})
        return row


class RemoveConversation:
    """Hide the thread from the account's list; a new message in it brings it back."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, participant_id: int) -> None:
        row = participant_or_404(self.session, account, participant_id)
        row.hidden = True
        outbox.record_event(self.session, EventType.CONVERSATION_REMOVED, actor_id=account.id,
                            payload={"conversation_id": row.conversation_id})


@dataclass(frozen=True)
class ConversationView:
    row: ConversationParticipant
    last_status: Status


class ListConversations:
    """The viewer's conversations, each with the latest message the viewer may still see
    (a deleted or now-hidden last message falls back to the one before; a thread with none
    left is skipped)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, viewer: Account, *, max_id=None, since_id=None, min_id=None,
                 limit: int = 20) -> list[ConversationView]:
        rows = conversations.page(self.session, account_id=viewer.id, max_id=max_id, since_id=since_id,
                                  min_id=min_id, limit=limit)
        return self.views(viewer, rows)

    def views(self, viewer: Account, rows: list[ConversationParticipant]) -> list[ConversationView]:
        visible = VisibleStatuses(self.session, viewer)
        found = statuses.many(self.session, status_ids=[r.last_status_id for r in rows])
        latest = {s.conversation_id: s for s in visible(found.values())}
        stale = [r.conversation_id for r in rows if r.conversation_id not in latest]
        if stale:
            older = statuses.many(self.session, status_ids=conversations.direct_status_ids(
                self.session, conversation_ids=stale))
            for status in sorted(visible(older.values()), key=lambda s: s.id):
                if status.conversation_id in stale:
                    latest[status.conversation_id] = status
        return [ConversationView(r, latest[r.conversation_id]) for r in rows if r.conversation_id in latest]
