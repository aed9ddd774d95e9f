from __future__ import annotations

import json

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.image_processing import blurhash_of, preview_of, size_meta
from platform_api.moderation.media_hash import phash
from platform_api.media_store import media_store
from platform_api.tables import MediaAttachment
from platform_api.video_processing import video_thumbnail


class ProcessMedia:
    """Finish a video upload: a thumbnail (a frame via ffmpeg, or a placeholder), its blurhash
    and ``meta``; then it is no longer ``processing`` and may be attached. A missing or
    finished attachment counts as done."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings
        self.store = media_store(settings)

    def __call__(self, media_id: int) -> MediaAttachment | None:
        media = self.session.get(MediaAttachment, media_id)
        if media is None or not media.processing:
            return media
        data = self.store.get(media.file_path)
        frame, info = video_thumbnail(data, media.file_path.rsplit(".", 1)[-1])
        preview, small = preview_of(frame, self.settings.media_preview_px)
        media.preview_path = f"media_attachments/{media.id}/small.jpg"
        self.store.put(media.preview_path, preview)
        media.blurhash, media.perceptual_hash = blurhash_of(small), phash(small)
        meta = json.loads(media.meta) if media.meta else {}
        original = size_meta(int(info["width"]), int(info["height"])) if info.get("width") else {}
        if info.get("duration"):
            original["duration"] = float(info["duration"])
        media.meta = json.dumps({**meta, "original": original, "small": size_meta(*small.size)})
        media.processing = False
        return media
