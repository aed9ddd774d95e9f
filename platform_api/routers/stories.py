"""Stories (an Agora extension): 24-hour media posts for followers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from platform_api.deps import AppSettings, DbSession, require
from platform_api.input_schemas import StoryCreate
from platform_api.params import parse, request_params
from platform_api.serializers.account import iso_datetime
from platform_api.serializers.status import StatusPresenter
from platform_api.services.post_story import PostStory
from platform_api.stories import StoryTray
from platform_api.tables import Account, Status

router = APIRouter(prefix="/api/v1/agora/stories", tags=["stories"])


def _render(db, settings, viewer: Account, items: list[Status]) -> list[dict]:
    extras = {s.id: {"story": True, "expires_at": iso_datetime(s.expires_at)} for s in items}
    return StatusPresenter(db, settings, viewer.id).render(items, extras)


@router.post("")
async def post_story(request: Request, db: DbSession, settings: AppSettings,
                     account: Account = require("write:statuses")) -> dict:
    params = parse(StoryCreate, await request_params(request))
    story = PostStory(db, settings, moderator=request.app.state.moderator)(account, params)
    db.commit()
    return _render(db, settings, account, [story])[0]


@router.get("")
def story_tray(db: DbSession, settings: AppSettings, limit: Annotated[int, Query(ge=1, le=200)] = 100,
               account: Account = require("read:statuses")) -> list[dict]:
    return _render(db, settings, account, StoryTray(db)(account, limit=limit))
