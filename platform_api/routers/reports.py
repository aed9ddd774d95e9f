"""Reporting an account (and some of its statuses) to the moderators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from platform_api.deps import AppSettings, DbSession, require
from platform_api.errors import not_found
from platform_api.params import parse, request_params
from platform_api.repositories import accounts
from platform_api.serializers.report import serialize_report
from platform_api.services.file_report import FileReport
from platform_api.tables import Account

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    account_id: int
    status_ids: list[int] = Field(default_factory=list)
    comment: str = ""
    forward: bool = False
    category: str = "other"
    rule_ids: list[int] = Field(default_factory=list)

    @field_validator("status_ids", "rule_ids", mode="before")
    @classmethod
    def _listify(cls, value):
        return [value] if isinstance(value, (str, int)) else value


@router.post("")
@router.post("/", include_in_schema=False)  # Mastodon.py posts to the trailing-slash form
async def file_report(request: Request, db: DbSession, settings: AppSettings,
                      account: Account = require("write:reports")) -> dict:
    params = parse(ReportCreate, await request_params(request))
    target = accounts.get(db, account_id=params.account_id)
    if target is None:
        raise not_found()
    report = FileReport(db)(account, target, status_ids=params.status_ids, category=params.category,
                            comment=params.comment, forward=params.forward, rule_ids=params.rule_ids)
    db.commit()
    return serialize_report(report, target, settings)
