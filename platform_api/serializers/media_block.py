"""Admin JSON of a media blocklist entry (Agora's extension, shaped like Mastodon's admin blocks)."""

from __future__ import annotations

from platform_api.serializers.account import iso_datetime
from platform_api.tables import MediaBlock


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def serialize_media_block(block: MediaBlock) -> dict:
    return {"id": str(block.id), "hash": block.phash, "note": block.note, "created_at": iso_datetime(block.created_at),
            "account_id": _id(block.account_id), "media_attachment_id": _id(block.media_attachment_id),
            "status_id": _id(block.status_id)}
