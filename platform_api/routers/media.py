"""Media uploads (v1 answers when done; v2 answers 202 while a video is processed), their
status (206 while processing) and their description/focus."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from platform_api.deps import AppSettings, DbSession, require
from platform_api.errors import ApiError, not_found, unprocessable
from platform_api.input_schemas import MediaUpdate
from platform_api.media_store import media_store
from platform_api.params import parse, request_params
from platform_api.repositories import media as media_repo
from platform_api.serializers.status import serialize_media
from platform_api.services.process_media import ProcessMedia
from platform_api.services.update_media import UpdateMedia
from platform_api.services.upload_media import UploadMedia
from platform_api.tables import Account, MediaAttachment
from platform_api.workers import process_media

router = APIRouter(tags=["media"])

MULTIPART_OVERHEAD = 64 * 1024


def _render(media: MediaAttachment, settings) -> dict:
    body = serialize_media(media, settings)
    if media.processing:
        body["url"] = None  # Mastodon: the full file is not ready yet
    return body


async def _upload(request: Request, db, settings, account: Account) -> MediaAttachment:
    limit = settings.max_media_bytes * 4 + MULTIPART_OVERHEAD
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise ApiError(413, f"File is too large: the request is {int(length)} bytes, more than the "
                            f"{limit} allowed")
    params = await request_params(request)
    upload = params.get("file")
    if not isinstance(upload, UploadFile):
        raise unprocessable("Validation failed: file must be sent as multipart/form-data")
    data = await upload.read(limit + 1)
    if not data:
        raise unprocessable("Validation failed: the file is empty")
    extra = parse(MediaUpdate, {k: v for k, v in params.items() if k in ("description", "focus")})
    upload_media = UploadMedia(db, settings, media_store(settings))
    return await run_in_threadpool(upload_media, account, data=data, declared_type=upload.content_type,
                                   description=extra.description, focus=extra.focus)


@router.post("/api/v2/media")
async def upload_v2(request: Request, db: DbSession, settings: AppSettings, background: BackgroundTasks,
                    account: Account = require("write:media")):
    media = await _upload(request, db, settings, account)
    db.commit()
    if media.processing:
        background.add_task(process_media, request.app.state.settings, media.id)
        return JSONResponse(_render(media, settings), status_code=202)
    return _render(media, settings)


@router.post("/api/v1/media")
async def upload_v1(request: Request, db: DbSession, settings: AppSettings,
                    account: Account = require("write:media")) -> dict:
    media = await _upload(request, db, settings, account)
    if media.processing:
        db.flush()
        ProcessMedia(db, settings)(media.id)
    db.commit()
    return _render(media, settings)


def _own_media_or_404(db, account: Account, media_id: int) -> MediaAttachment:
    media = media_repo.owned(db, media_id=media_id, account_id=account.id)
    if media is None:
        raise not_found()
    return media


@router.get("/api/v1/media/{media_id}")
def get_media(media_id: int, db: DbSession, settings: AppSettings, account: Account = require("write:media")):
    media = _own_media_or_404(db, account, media_id)
    return JSONResponse(_render(media, settings), status_code=206 if media.processing else 200)


@router.put("/api/v1/media/{media_id}")
async def update_media(media_id: int, request: Request, db: DbSession, settings: AppSettings,
                       account: Account = require("write:media")) -> dict:
    params = parse(MediaUpdate, await request_params(request))
    media = _own_media_or_404(db, account, media_id)
    if media.status_id is not None:
        raise not_found()  # Mastodon: attached media are edited through the status
    UpdateMedia(db)(media, params)
    db.commit()
    return _render(media, settings)
