"""Accounts: registration, profile reads and the follow relationship."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from platform_api.deps import AppSettings, DbSession, OptionalToken, Viewer, require
from platform_api.errors import ApiError, not_found
from platform_api.pagination import link_header
from platform_api.params import parse, request_params
from platform_api.repositories import accounts
from platform_api.schemas import AccountCreate
from platform_api.serializers.account import serialize_account
from platform_api.serializers.relationship import serialize_relationships
from platform_api.serializers.status import StatusPresenter
from platform_api.services.follow_account import FollowAccount, UnfollowAccount
from platform_api.services.issue_token import IssueToken
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, Application
from platform_api.timelines import AccountStatuses

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])


def _account_or_404(db, account_id: int) -> Account:
    account = accounts.get(db, account_id=account_id)
    if account is None:
        raise not_found()
    return account


@router.post("")
async def register(request: Request, db: DbSession, settings: AppSettings, ctx: OptionalToken) -> dict:
    if not settings.registrations_open:
        raise ApiError(403, "Registrations are closed on this server")
    if ctx is None or ctx.token.application_id is None:
        raise ApiError(401, "This method requires an app token (client_credentials grant)")
    params = parse(AccountCreate, await request_params(request))
    if not params.agreement:
        raise ApiError(422, "Validation failed: you must agree to the server rules")
    account = RegisterAccount(db)(username=params.username, email=params.email, password=params.password)
    app = db.get(Application, ctx.token.application_id)
    secret, _ = IssueToken(db)(application=app, account=account, scopes=ctx.token.scopes)
    db.commit()
    return {"access_token": secret, "token_type": "Bearer", "scope": ctx.token.scopes,
            "created_at": int(account.created_at.timestamp())}


@router.get("/verify_credentials")
def verify_credentials(settings: AppSettings, account: Account = require("read:accounts")) -> dict:
    body = serialize_account(account, settings)
    body["source"] = {"privacy": "public", "sensitive": False, "language": "en", "note": account.note,
                      "fields": [], "follow_requests_count": 0}
    return body


@router.get("/relationships")
def relationships_of(db: DbSession, id: Annotated[list[int], Query(alias="id[]")] = [],
                     account: Account = require("read:follows")) -> list[dict]:
    return serialize_relationships(db, viewer_id=account.id, target_ids=id)


@router.get("/lookup")
def lookup(db: DbSession, settings: AppSettings, acct: str) -> dict:
    account = accounts.by_username(db, username=acct.lstrip("@").split("@")[0])
    if account is None:
        raise not_found()
    return serialize_account(account, settings)


@router.get("/{account_id}")
def get_account(account_id: int, db: DbSession, settings: AppSettings) -> dict:
    return serialize_account(_account_or_404(db, account_id), settings)


@router.get("/{account_id}/statuses")
def account_statuses(account_id: int, db: DbSession, settings: AppSettings, viewer: Viewer, request: Request,
                     max_id: int | None = None, since_id: int | None = None, min_id: int | None = None,
                     limit: Annotated[int, Query(ge=1, le=40)] = 20, exclude_replies: bool = False,
                     only_media: bool = False, pinned: bool = False, exclude_reblogs: bool = False):
    account = _account_or_404(db, account_id)
    page = AccountStatuses(db)(account, viewer, max_id=max_id, since_id=since_id, min_id=min_id, limit=limit,
                               exclude_replies=exclude_replies, only_media=only_media, pinned=pinned,
                               exclude_reblogs=exclude_reblogs)
    body = StatusPresenter(db, settings, viewer.id if viewer else None).render(page)
    return link_header(request, body, [s.id for s in page])


@router.post("/{account_id}/follow")
async def follow(account_id: int, request: Request, db: DbSession,
                 account: Account = require("write:follows")) -> dict:
    target = _account_or_404(db, account_id)
    params = await request_params(request)
    FollowAccount(db)(account, target, reblogs=str(params.get("reblogs", "true")).lower() != "false",
                      notify=str(params.get("notify", "false")).lower() == "true")
    db.commit()
    return serialize_relationships(db, viewer_id=account.id, target_ids=[target.id])[0]


@router.post("/{account_id}/unfollow")
def unfollow(account_id: int, db: DbSession, account: Account = require("write:follows")) -> dict:
    target = _account_or_404(db, account_id)
    UnfollowAccount(db)(account, target)
    db.commit()
    return serialize_relationships(db, viewer_id=account.id, target_ids=[target.id])[0]
