"""Agora's analytics extension: a post's hourly engagement for its author (``agora pipeline analytics``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from platform_api.deps import DbSession, require
from platform_api.serializers.analytics import serialize_status_analytics
from platform_api.services.show_status_analytics import ShowStatusAnalytics
from platform_api.tables import Account

router = APIRouter(prefix="/api/v1/agora/analytics", tags=["analytics"])


@router.get("/statuses/{status_id}")
def status_analytics(db: DbSession, status_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
                     viewer: Account = require("read:statuses")) -> dict:
    return serialize_status_analytics(ShowStatusAnalytics(db)(viewer, status_id))
