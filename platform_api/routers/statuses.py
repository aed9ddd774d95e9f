"""Statuses: post, read, delete, favourite."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request

from platform_api.deps import AppSettings, DbSession, Viewer, require
from platform_api.errors import not_found
from platform_api.params import parse, request_params
from platform_api.repositories import statuses
from platform_api.schemas import StatusCreate
from platform_api.serializers.status import StatusPresenter
from platform_api.services.favourite_status import FavouriteStatus, UnfavouriteStatus
from platform_api.services.post_status import PostStatus
from platform_api.tables import Account
from platform_api.visibility import VisibleStatuses
from platform_api.workers import distribute

router = APIRouter(prefix="/api/v1/statuses", tags=["statuses"])


def visible_status_or_404(db, viewer: Account | None, status_id: int):
    status = VisibleStatuses(db, viewer).one(statuses.get(db, status_id=status_id))
    if status is None:
        raise not_found()
    return status


@router.post("")
async def create_status(request: Request, db: DbSession, settings: AppSettings, background: BackgroundTasks,
                        account: Account = require("write:statuses")) -> dict:
    params = parse(StatusCreate, await request_params(request))
    status = PostStatus(db, settings)(account, params)
    db.commit()
    background.add_task(distribute, request.app.state.settings, status.id)
    return StatusPresenter(db, settings, account.id).render_one(status)


@router.get("/{status_id}")
def get_status(status_id: int, db: DbSession, settings: AppSettings, viewer: Viewer) -> dict:
    status = visible_status_or_404(db, viewer, status_id)
    return StatusPresenter(db, settings, viewer.id if viewer else None).render_one(status)


@router.post("/{status_id}/favourite")
def favourite(status_id: int, db: DbSession, settings: AppSettings,
              account: Account = require("write:favourites")) -> dict:
    status = visible_status_or_404(db, account, status_id)
    FavouriteStatus(db)(account, status)
    db.commit()
    db.refresh(status)
    return StatusPresenter(db, settings, account.id).render_one(status)


@router.post("/{status_id}/unfavourite")
def unfavourite(status_id: int, db: DbSession, settings: AppSettings,
                account: Account = require("write:favourites")) -> dict:
    status = visible_status_or_404(db, account, status_id)
    UnfavouriteStatus(db)(account, status)
    db.commit()
    db.refresh(status)
    return StatusPresenter(db, settings, account.id).render_one(status)
