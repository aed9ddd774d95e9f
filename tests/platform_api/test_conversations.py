"""Direct messages and group chats on SQLite, PostgreSQL and MariaDB: who takes part, what is
unread, hiding and resurfacing, and the fallback when the last message is deleted."""

from __future__ import annotations

from sqlalchemy import select

from platform_api.db import create_schema, session_scope
from platform_api.ids import utcnow
from platform_api.schemas import StatusCreate
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.services.track_conversation import ListConversations, ReadConversation, RemoveConversation
from platform_api.tables import Account, ConversationParticipant, OutboxEvent, Status


def make(session, name: str) -> Account:
    return RegisterAccount(session)(username=name, email=f"{name}@example.org", password="not-checked",
                                    password_hash="unused")


def view_of(session, account_id: int):
    return [(v.row.unread, v.last_status.id) for v in ListConversations(session)(session.get(Account, account_id))]


def test_direct_messages_make_one_conversation_per_thread_and_participant(database_url, settings):
    create_schema(settings)
    with session_scope(settings) as s:
        ann, ben, cat, dov = (make(s, n) for n in ("ann", "ben", "cat", "dov"))
        post = PostStatus(s, settings)
        first = post(ann, StatusCreate(status="@ben @cat dinner?", visibility="direct"))
        post(ann, StatusCreate(status="@dov public hello"))  # not direct: no conversation
        ids = {a.username: a.id for a in (ann, ben, cat, dov)}
        first_id = first.id

    with session_scope(settings) as s:
        rows = s.scalars(select(ConversationParticipant)).all()
        assert {(r.account_id, r.conversation_id, r.unread) for r in rows} == {
            (ids["ann"], first_id, False), (ids["ben"], first_id, True), (ids["cat"], first_id, True)}
        assert view_of(s, ids["dov"]) == []
        assert view_of(s, ids["ben"]) == [(True, first_id)]
        ben_row = ListConversations(s)(s.get(Account, ids["ben"]))[0].row
        ReadConversation(s)(s.get(Account, ids["ben"]), ben_row.id)
        RemoveConversation(s)(s.get(Account, ids["cat"]), ListConversations(s)(s.get(Account, ids["cat"]))[0].row.id)
    with session_scope(settings) as s:
        assert view_of(s, ids["ben"]) == [(False, first_id)]
        assert view_of(s, ids["cat"]) == []
        reply = PostStatus(s, settings)(s.get(Account, ids["ben"]), StatusCreate(
            status="@ann @cat yes", visibility="direct", in_reply_to_id=first_id))
        reply_id = reply.id
    with session_scope(settings) as s:
        assert view_of(s, ids["ann"]) == [(True, reply_id)]
        assert view_of(s, ids["ben"]) == [(False, reply_id)]
        assert view_of(s, ids["cat"]) == [(True, reply_id)]  # a new message brings the thread back
        s.get(Status, reply_id).deleted_at = utcnow()
    with session_scope(settings) as s:
        assert view_of(s, ids["ann"]) == [(True, first_id)]  # falls back to the newest message left
        assert [e.event_type for e in s.scalars(select(OutboxEvent).where(
            OutboxEvent.event_type.like("conversation.%")).order_by(OutboxEvent.id))] == [
            "conversation.read", "conversation.removed"]
