"""Moderators' media blocklist: ``GET/POST/DELETE /api/v1/admin/media_blocks``. An entry is a
perceptual hash given directly (``hash``), taken from an uploaded image (``file``) or from an
existing attachment (``media_id``); uploads near a blocked hash are refused (``UploadMedia``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from platform_api.deps import AppSettings, DbSession
from platform_api.errors import ApiError, not_found, unprocessable
from platform_api.image_processing import MediaRejected, process_image
from platform_api.page_params import PageParams, page_params
from platform_api.pagination import link_header
from platform_api.params import parse, request_params
from platform_api.repositories import media_blocks
from platform_api.routers.admin import staff
from platform_api.serializers.media_block import serialize_media_block
from platform_api.services.block_media import BlockMedia, UnblockMedia
from platform_api.tables import Account, MediaAttachment

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


class MediaBlockCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    hash: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{16}$")
    media_id: int | None = None
    note: str = Field(default="", max_length=1000)


@router.get("/media_blocks")
def list_media_blocks(request: Request, db: DbSession, page: PageParams = page_params(100, 200),
                      moderator: Account = staff("admin:read")):
    found = media_blocks.page(db, max_id=page.max_id, since_id=page.since_id, limit=page.limit)
    return link_header(request, [serialize_media_block(b) for b in found], [b.id for b in found])


@router.post("/media_blocks")
async def create_media_block(request: Request, db: DbSession, settings: AppSettings,
                             moderator: Account = staff("admin:write")) -> dict:
    params = await request_params(request)
    upload = params.pop("file", None)
    fields = parse(MediaBlockCreate, params)
    sources = [s for s in (upload, fields.hash, fields.media_id) if s is not None]
    if len(sources) != 1:
        raise unprocessable("Validation failed: send exactly one of file (an image), media_id or hash")
    attachment = None
    if upload is not None:
        phash = await _hash_of_upload(upload, settings)
    elif fields.media_id is not None:
        attachment = db.get(MediaAttachment, fields.media_id)
        if attachment is None:
            raise not_found()
        if attachment.type != "image" or not attachment.perceptual_hash:
            raise unprocessable("Validation failed: only image attachments can be blocked")
        phash = attachment.perceptual_hash
    else:
        phash = fields.hash
    block = BlockMedia(db)(phash, moderator=moderator, note=fields.note, attachment=attachment)
    db.commit()
    return serialize_media_block(block)


@router.delete("/media_blocks/{block_id}")
def delete_media_block(block_id: int, db: DbSession, moderator: Account = staff("admin:write")) -> dict:
    block = media_blocks.get(db, block_id=block_id)
    if block is None:
        raise not_found()
    UnblockMedia(db)(block, moderator=moderator)
    db.commit()
    return {}


async def _hash_of_upload(upload, settings) -> str:
    if not isinstance(upload, UploadFile):
        raise unprocessable("Validation failed: file must be sent as multipart/form-data")
    data = await upload.read(settings.max_media_bytes + 1)
    if len(data) > settings.max_media_bytes:
        raise ApiError(413, "File is too large")
    try:
        image = await run_in_threadpool(process_image, data, declared_type=upload.content_type,
                                        max_pixels=settings.max_image_pixels, preview_px=settings.media_preview_px)
    except MediaRejected as exc:
        raise ApiError(exc.status_code, exc.message) from exc
    return image.perceptual_hash
