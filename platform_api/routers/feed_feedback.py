"""Agora's feed extensions: negative feedback on an item of the home feed."""

from __future__ import annotations

from fastapi import APIRouter, Request

from platform_api.deps import DbSession, require
from platform_api.errors import not_found
from platform_api.repositories import statuses
from platform_api.services.hide_status import HideStatus
from platform_api.tables import Account
from platform_api.visibility import VisibleStatuses

router = APIRouter(prefix="/api/v1/agora", tags=["feed"])


@router.post("/statuses/{status_id}/hide")
def hide(status_id: int, request: Request, db: DbSession, account: Account = require("write:statuses")) -> dict:
    status = VisibleStatuses(db, account).one(statuses.get(db, status_id=status_id))
    if status is None:
        raise not_found()
    HideStatus(db)(account, status)
    db.commit()
    request.app.state.feed_cache.forget(account.id)
    return {"id": str(status.id), "hidden": True}
