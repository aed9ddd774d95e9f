"""Moderation API (Mastodon's ``/api/v1/admin``): reports and account actions. Every route
needs a moderator or admin whose token grants the ``admin:read`` / ``admin:write`` scope
(or the finer ``admin:read:reports`` …); anyone else gets 403."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from platform_api.deps import AppSettings, DbSession, require
from platform_api.errors import forbidden, not_found
from platform_api.page_params import PageParams, page_params
from platform_api.pagination import link_header
from platform_api.params import parse, request_params
from platform_api.repositories import accounts, reports
from platform_api.serializers.report import AdminPresenter
from platform_api.services.decide_report import DecideReport
from platform_api.services.moderate_account import REVERSALS, LiftModeration, ModerateAccount
from platform_api.services.review_report import (
    AssignReport, RecategorizeReport, ReopenReport, ResolveReport, UnassignReport,
)
from platform_api.tables import Account, Report

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

STAFF_RANK = {"moderator": 1, "admin": 2}


def staff(scope: str):
    def _dependency(account: Account = require(scope)) -> Account:
        if account.role not in STAFF_RANK:
            raise forbidden()
        return account

    return Depends(_dependency)


class AccountAction(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = "none"
    report_id: int | None = None
    text: str = ""


class ReportDecision(BaseModel):
    """A moderator's decision on a report (Agora's extension): uphold with an action, or dismiss."""

    model_config = ConfigDict(extra="ignore")

    action: str
    label: str | None = None
    text: str = Field(default="", max_length=1000)


class ReportUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    category: str | None = None


def _report_or_404(db, report_id: int) -> Report:
    report = reports.get(db, report_id=report_id)
    if report is None:
        raise not_found()
    return report


def _account_or_404(db, account_id: int) -> Account:
    account = accounts.get(db, account_id=account_id)
    if account is None:
        raise not_found()
    return account


def _actionable(db, moderator: Account, account_id: int) -> Account:
    """The target of an account action: not oneself, and not an account of a higher role."""
    target = _account_or_404(db, account_id)
    if target.id == moderator.id or STAFF_RANK.get(target.role, 0) > STAFF_RANK[moderator.role]:
        raise forbidden()
    return target


@router.get("/reports")
def list_reports(request: Request, db: DbSession, settings: AppSettings, resolved: bool = False,
                 account_id: int | None = None, target_account_id: int | None = None,
                 page: PageParams = page_params(100, 200), moderator: Account = staff("admin:read:reports")):
    found = reports.page(db, resolved=resolved, account_id=account_id, target_account_id=target_account_id,
                         **page.cursor())
    return link_header(request, AdminPresenter(db, settings, moderator).reports(found), [r.id for r in found])


@router.get("/reports/{report_id}")
def get_report(report_id: int, db: DbSession, settings: AppSettings,
               moderator: Account = staff("admin:read:reports")) -> dict:
    return AdminPresenter(db, settings, moderator).report(_report_or_404(db, report_id))


@router.put("/reports/{report_id}")
async def update_report(report_id: int, request: Request, db: DbSession, settings: AppSettings,
                        moderator: Account = staff("admin:write:reports")) -> dict:
    report = _report_or_404(db, report_id)
    params = parse(ReportUpdate, await request_params(request))
    if params.category is not None:
        RecategorizeReport(db)(report, moderator, params.category)
    db.commit()
    return AdminPresenter(db, settings, moderator).report(report)


@router.post("/reports/{report_id}/decide")
async def decide_report(report_id: int, request: Request, db: DbSession, settings: AppSettings,
                        moderator: Account = staff("admin:write:reports")) -> dict:
    report = _report_or_404(db, report_id)
    params = parse(ReportDecision, await request_params(request))
    DecideReport(db)(report, moderator, action=params.action, label=params.label, text=params.text)
    db.commit()
    return AdminPresenter(db, settings, moderator).report(report)


_REPORT_VERBS = {"assign_to_self": AssignReport, "unassign": UnassignReport, "resolve": ResolveReport,
                 "reopen": ReopenReport}


@router.post("/reports/{report_id}/{verb}")
def review_report(report_id: int, verb: str, db: DbSession, settings: AppSettings,
                  moderator: Account = staff("admin:write:reports")) -> dict:
    if verb not in _REPORT_VERBS:
        raise not_found()
    report = _report_or_404(db, report_id)
    _REPORT_VERBS[verb](db)(report, moderator)
    db.commit()
    return AdminPresenter(db, settings, moderator).report(report)


@router.get("/accounts/{account_id}")
def get_account(account_id: int, db: DbSession, settings: AppSettings,
                moderator: Account = staff("admin:read:accounts")) -> dict:
    return AdminPresenter(db, settings, moderator).account(_account_or_404(db, account_id))


@router.post("/accounts/{account_id}/action")
async def account_action(account_id: int, request: Request, db: DbSession,
                         moderator: Account = staff("admin:write:accounts")) -> dict:
    target = _actionable(db, moderator, account_id)
    params = parse(AccountAction, await request_params(request))
    report = _report_or_404(db, params.report_id) if params.report_id is not None else None
    ModerateAccount(db)(target, params.type, moderator=moderator, report=report, text=params.text)
    db.commit()
    return {}


@router.post("/accounts/{account_id}/{reversal}")
def lift_moderation(account_id: int, reversal: str, db: DbSession, settings: AppSettings,
                    moderator: Account = staff("admin:write:accounts")) -> dict:
    if reversal not in REVERSALS:
        raise not_found()
    target = _actionable(db, moderator, account_id)
    LiftModeration(db)(target, reversal, moderator=moderator)
    db.commit()
    return AdminPresenter(db, settings, moderator).account(target)
