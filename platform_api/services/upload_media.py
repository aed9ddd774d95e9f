from __future__ import annotations

import json

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.errors import ApiError
from platform_api.ids import snowflake_id
from platform_api.image_processing import MediaRejected, declared_mismatch, process_image
from platform_api.media_store import MediaStore
from platform_api.services.check_media_blocklist import CheckMediaBlocklist
from platform_api.tables import Account, MediaAttachment
from platform_api.video_processing import sniff_video


def focus_meta(focus: str | None) -> dict:
    if not focus:
        return {}
    x, y = (float(v) for v in focus.split(","))
    return {"focus": {"x": x, "y": y}}


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


class UploadMedia:
    """Store an upload as a ``MediaAttachment``. Images are decoded, cleaned and previewed now
    (``process_image``); videos are stored as sent and left ``processing`` for
    ``ProcessMedia`` (a background task after the 202 answer). Sizes over the limit are a 413,
    anything we cannot trust (not an image or video, corrupt, a decompression bomb, content
    contradicting the declared type) a 422."""

    def __init__(self, session: Session, settings: Settings, store: MediaStore):
        self.session = session
        self.settings = settings
        self.store = store

    @property
    def max_video_bytes(self) -> int:
        return self.settings.max_media_bytes * 4

    def __call__(self, account: Account, *, data: bytes, declared_type: str | None, description: str | None = None,
                 focus: str | None = None) -> MediaAttachment:
        media = MediaAttachment(id=snowflake_id(), account_id=account.id, description=description)
        video = sniff_video(data)
        try:
            if video is not None:
                self._video(media, data, declared_type, *video)
            else:
                self._image(media, data, declared_type)
        except MediaRejected as exc:
            raise ApiError(exc.status_code, exc.message) from exc
        meta = json.loads(media.meta) if media.meta else {}
        media.meta = json.dumps({**meta, **focus_meta(focus)})
        self.session.add(media)
        return media

    def _key(self, media: MediaAttachment, name: str) -> str:
        return f"media_attachments/{media.id}/{name}"

    def _image(self, media: MediaAttachment, data: bytes, declared_type: str | None) -> None:
        if len(data) > self.settings.max_media_bytes:
            raise MediaRejected(413, f"File is too large: {_megabytes(len(data))} is more than the "
                                     f"{_megabytes(self.settings.max_media_bytes)} allowed for images")
        image = process_image(data, declared_type=declared_type, max_pixels=self.settings.max_image_pixels,
                              preview_px=self.settings.media_preview_px)
        CheckMediaBlocklist(self.session, self.settings)(image.perceptual_hash)
        media.type, media.content_type = "image", image.content_type
        media.file_path = self._key(media, f"original.{image.extension}")
        media.preview_path = self._key(media, "small.jpg")
        self.store.put(media.file_path, image.original)
        self.store.put(media.preview_path, image.preview)
        media.blurhash, media.perceptual_hash = image.blurhash, image.perceptual_hash
        media.meta = json.dumps(image.meta)
        media.processing = False

    def _video(self, media: MediaAttachment, data: bytes, declared_type: str | None, content_type: str,
               extension: str) -> None:
        if len(data) > self.max_video_bytes:
            raise MediaRejected(413, f"File is too large: {_megabytes(len(data))} is more than the "
                                     f"{_megabytes(self.max_video_bytes)} allowed for videos")
        declared = (declared_type or "").split(";")[0].strip().lower()
        if declared and not declared.startswith("video/") and declared_mismatch(declared, content_type):
            raise MediaRejected(422, f"Validation failed: the file is {content_type} but was sent as {declared_type}")
        media.type, media.content_type = "video", content_type
        media.file_path = self._key(media, f"original.{extension}")
        self.store.put(media.file_path, data)
        media.processing = True
