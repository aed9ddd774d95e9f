"""Direct-message conversations (and group chats): list, mark read, remove."""

from __future__ import annotations

from fastapi import APIRouter, Request

from platform_api.deps import AppSettings, DbSession, require
from platform_api.errors import not_found
from platform_api.page_params import PageParams, page_params
from platform_api.pagination import link_header
from platform_api.serializers.conversation import ConversationPresenter
from platform_api.services.track_conversation import ListConversations, ReadConversation, RemoveConversation
from platform_api.tables import Account

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


@router.get("")
@router.get("/", include_in_schema=False)  # Mastodon.py asks for the trailing-slash form
def list_conversations(request: Request, db: DbSession, settings: AppSettings, page: PageParams = page_params(20, 40),
                       account: Account = require("read:statuses")):
    views = ListConversations(db)(account, **page.cursor())
    body = ConversationPresenter(db, settings, account).render(views)
    return link_header(request, body, [v.row.last_status_id for v in views])


@router.post("/{conversation_id}/read")
def read(conversation_id: int, db: DbSession, settings: AppSettings,
         account: Account = require("write:conversations")) -> dict:
    row = ReadConversation(db)(account, conversation_id)
    db.commit()
    views = ListConversations(db).views(account, [row])
    if not views:
        raise not_found()
    return ConversationPresenter(db, settings, account).render_one(views[0])


@router.delete("/{conversation_id}")
def remove(conversation_id: int, db: DbSession, account: Account = require("write:conversations")) -> dict:
    RemoveConversation(db)(account, conversation_id)
    db.commit()
    return {}
