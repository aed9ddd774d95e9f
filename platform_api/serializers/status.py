"""Mastodon Status JSON, with relationships batch-loaded for a page (no N+1)."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.repositories import accounts, statuses
from platform_api.serializers.account import iso_datetime, serialize_account
from platform_api.tables import MediaAttachment, Status


def serialize_media(media: MediaAttachment, settings: Settings) -> dict:
    base = settings.api_url
    return {
        "id": str(media.id),
        "type": media.type,
        "url": f"{base}/media/{media.file_path}" if media.file_path else None,
        "preview_url": f"{base}/media/{media.preview_path}" if media.preview_path else None,
        "remote_url": None,
        "text_url": None,
        "meta": json.loads(media.meta) if media.meta else {},
        "description": media.description,
        "blurhash": media.blurhash,
    }


class StatusPresenter:
    """Serialises a batch of statuses for one viewer, loading what they reference in a few queries."""

    def __init__(self, session: Session, settings: Settings, viewer_id: int | None):
        self.session = session
        self.settings = settings
        self.viewer_id = viewer_id

    def render(self, items: list[Status], extras: dict[int, dict] | None = None) -> list[dict]:
        reblogged_ids = [s.reblog_of_id for s in items if s.reblog_of_id]
        originals = statuses.many(self.session, status_ids=reblogged_ids)
        everything = list(items) + list(originals.values())
        ids = [s.id for s in everything]
        self._tags = statuses.tags_for(self.session, status_ids=ids)
        self._mentions = statuses.mentions_for(self.session, status_ids=ids)
        self._media = statuses.media_for(self.session, status_ids=ids)
        mention_ids = {a for lst in self._mentions.values() for a in lst}
        self._accounts = accounts.many(self.session, account_ids={s.account_id for s in everything} | mention_ids)
        self._marks = (statuses.viewer_marks(self.session, viewer_id=self.viewer_id, status_ids=ids)
                       if self.viewer_id is not None else None)
        out = []
        for status in items:
            body = self._one(status)
            if status.reblog_of_id:
                original = originals.get(status.reblog_of_id)
                body["reblog"] = self._one(original) if original is not None else None
            if extras and status.id in extras:
                body["agora"] = extras[status.id]
            out.append(body)
        return out

    def render_one(self, status: Status) -> dict:
        return self.render([status])[0]

    def _one(self, status: Status) -> dict:
        base = self.settings.api_url
        account = self._accounts.get(status.account_id) or status.account
        marks = self._marks
        body = {
            "id": str(status.id),
            "uri": f"{base}/users/{account.username}/statuses/{status.id}",
            "url": f"{base}/@{account.username}/{status.id}",
            "created_at": iso_datetime(status.created_at),
            "edited_at": iso_datetime(status.edited_at),
            "account": serialize_account(account, self.settings),
            "content": "" if status.reblog_of_id else status.content,
            "visibility": status.visibility,
            "sensitive": status.sensitive,
            "spoiler_text": status.spoiler_text,
            "media_attachments": [serialize_media(m, self.settings) for m in self._media.get(status.id, [])],
            "application": None,
            "mentions": [self._mention(a) for a in self._mentions.get(status.id, []) if a in self._accounts],
            "tags": [{"name": t, "url": f"{base}/tags/{t}"} for t in self._tags.get(status.id, [])],
            "emojis": [],
            "reblogs_count": status.reblogs_count,
            "favourites_count": status.favourites_count,
            "replies_count": status.replies_count,
            "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
            "in_reply_to_account_id": str(status.in_reply_to_account_id) if status.in_reply_to_account_id else None,
            "reblog": None,
            "poll": None,
            "card": None,
            "language": status.language,
            "text": None,
            "filtered": [],
        }
        if marks is not None:
            body.update({
                "favourited": status.id in marks["favourited"],
                "reblogged": status.id in marks["reblogged"],
                "muted": False,
                "bookmarked": status.id in marks["bookmarked"],
                "pinned": status.id in marks["pinned"],
            })
        return body

    def _mention(self, account_id: int) -> dict:
        account = self._accounts[account_id]
        return {"id": str(account.id), "username": account.username, "acct": account.username,
                "url": f"{self.settings.api_url}/@{account.username}"}
