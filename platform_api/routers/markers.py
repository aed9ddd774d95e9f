"""Read markers: where the viewer stopped reading home and notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from platform_api.deps import DbSession, require
from platform_api.errors import unprocessable
from platform_api.params import request_params
from platform_api.repositories import markers
from platform_api.serializers.marker import serialize_markers
from platform_api.services.save_markers import TIMELINES, SaveMarkers
from platform_api.tables import Account

router = APIRouter(prefix="/api/v1/markers", tags=["markers"])


def _positions(params: dict) -> dict[str, int]:
    """``{"home": {"last_read_id": id}}`` (JSON) or ``home[last_read_id]=id`` (form)."""
    positions = {}
    for timeline in TIMELINES:
        nested = params.get(timeline)
        raw = nested.get("last_read_id") if isinstance(nested, dict) else params.get(f"{timeline}[last_read_id]")
        if raw is None:
            continue
        try:
            positions[timeline] = int(raw)
        except (TypeError, ValueError) as exc:
            raise unprocessable(f"Validation failed: {timeline}[last_read_id] must be an id") from exc
    return positions


@router.get("")
def get_markers(db: DbSession, timeline: Annotated[list[str], Query(alias="timeline[]")] = [],
                account: Account = require("read:statuses")) -> dict:
    return serialize_markers(markers.many(db, account_id=account.id, timelines=timeline))


@router.post("")
async def save_markers(request: Request, db: DbSession, account: Account = require("write:statuses")) -> dict:
    saved = SaveMarkers(db)(account, _positions(await request_params(request)))
    db.commit()
    return serialize_markers(saved)
