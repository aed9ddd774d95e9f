"""Mastodon StatusEdit (``/history``) and StatusSource (``/source``) JSON, and a deleted
status's answer (the Status plus its ``text`` source, for delete-and-redraft)."""

from __future__ import annotations

from agora.settings import Settings
from platform_api.serializers.account import iso_datetime, serialize_account
from platform_api.serializers.status import serialize_media
from platform_api.tables import Account, MediaAttachment, Status, StatusEdit


def serialize_history(status: Status, revisions: list[StatusEdit], author: Account,
                      media: list[MediaAttachment], settings: Settings) -> list[dict]:
    account = serialize_account(author, settings)
    attachments = [serialize_media(m, settings) for m in media]
    entries = revisions or [status]  # never edited: the history is the status itself
    return [{
        "content": entry.content,
        "spoiler_text": entry.spoiler_text,
        "sensitive": entry.sensitive,
        "created_at": iso_datetime(entry.created_at),
        "account": account,
        "poll": None,
        "media_attachments": attachments,
        "emojis": [],
    } for entry in entries]


def serialize_source(status: Status) -> dict:
    return {"id": str(status.id), "text": status.text, "spoiler_text": status.spoiler_text}


def with_source(rendered: dict, status: Status) -> dict:
    """A rendered Status carrying its source text (the answer to ``DELETE``)."""
    return {**rendered, "text": status.text}
