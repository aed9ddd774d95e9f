from __future__ import annotations

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.image_processing import MediaRejected
from platform_api.moderation.media_hash import blocked_hash_index
from platform_api.repositories import media_blocks


class CheckMediaBlocklist:
    """Refuse (422) an image whose perceptual hash is within ``media_block_distance`` bits of a
    blocked one. The blocklist is matched in memory (one vectorised popcount); the index is
    reloaded only when the table changed since the last check."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings

    def __call__(self, phash: str) -> None:
        index = blocked_hash_index(self.settings.db_url)
        index.refresh(media_blocks.version_token(self.session), lambda: media_blocks.all_hashes(self.session))
        nearest = index.nearest(phash)
        if nearest is not None and nearest[1] <= self.settings.media_block_distance:
            raise MediaRejected(422, "Validation failed: this image matches media removed by the moderators "
                                     "and cannot be uploaded")
