from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import unprocessable
from platform_api.moderation.media_hash import parse_hash
from platform_api.repositories import media, media_blocks, outbox
from platform_api.services.review_report import OPERATOR_ACTOR_ID
from platform_api.tables import Account, MediaAttachment, MediaBlock, Status


def _record(session: Session, block: MediaBlock, moderator: Account | None, kind: str) -> None:
    outbox.record_event(session, EventType.MODERATION_ACTION,
                        actor_id=moderator.id if moderator else OPERATOR_ACTOR_ID, status_id=block.status_id,
                        payload={"type": kind, "phash": block.phash, "media_block_id": block.id,
                                 "media_attachment_id": block.media_attachment_id})


class BlockMedia:
    """Add a perceptual hash to the blocklist (a hash already there is returned as it is).
    Logged as a ``moderation.action`` of type ``media_block``."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, phash: str, *, moderator: Account | None, note: str = "",
                 attachment: MediaAttachment | None = None, status_id: int | None = None) -> MediaBlock:
        try:
            phash = f"{parse_hash(phash):016x}"
        except ValueError as exc:
            raise unprocessable(f"Validation failed: hash: {exc}") from exc
        existing = media_blocks.by_hash(self.session, phash=phash)
        if existing is not None:
            return existing
        if status_id is None and attachment is not None:
            status_id = attachment.status_id
        block = MediaBlock(phash=phash, note=note, account_id=moderator.id if moderator else None,
                           media_attachment_id=attachment.id if attachment else None, status_id=status_id)
        self.session.add(block)
        self.session.flush()
        _record(self.session, block, moderator, "media_block")
        return block


class UnblockMedia:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, block: MediaBlock, *, moderator: Account) -> None:
        _record(self.session, block, moderator, "media_unblock")
        self.session.delete(block)


class BlockStatusMedia:
    """A post removed for cause: the perceptual hashes of its images join the blocklist, so
    re-uploads and near-duplicates of them are refused."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, status: Status, *, moderator: Account | None, note: str = "") -> list[MediaBlock]:
        block = BlockMedia(self.session)
        return [block(item.perceptual_hash, moderator=moderator, attachment=item, status_id=status.id,
                      note=note or f"removed with status {status.id}")
                for item in media.of_status(self.session, status_id=status.id)
                if item.type == "image" and item.perceptual_hash]
