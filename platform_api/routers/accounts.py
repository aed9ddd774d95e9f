"""Accounts: registration, the own profile, profile reads, follows, blocks and mutes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from platform_api.deps import AppSettings, DbSession, OptionalToken, Viewer, require
from platform_api.errors import ApiError, not_found, unprocessable
from platform_api.page_params import PageParams, page_params
from platform_api.pagination import link_header
from platform_api.params import parse, request_params
from platform_api.repositories import account_pairs, accounts
from platform_api.schemas import AccountCreate
from platform_api.serializers.account import serialize_account
from platform_api.serializers.account_page import serialize_account_page
from platform_api.serializers.credential_account import serialize_credential_account
from platform_api.serializers.relationship import serialize_relationships
from platform_api.serializers.status import StatusPresenter
from platform_api.services.block_account import BlockAccount, UnblockAccount
from platform_api.services.follow_account import FollowAccount, UnfollowAccount
from platform_api.services.issue_token import IssueToken
from platform_api.services.mute_account import MuteAccount, UnmuteAccount
from platform_api.services.register_account import RegisterAccount
from platform_api.services.update_credentials import UpdateCredentials
from platform_api.tables import Account, Application, Block, Follow
from platform_api.timelines import AccountStatuses

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])


class CredentialsUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None


class MuteParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    notifications: bool = True
    duration: int = Field(default=0, ge=0)


def _account_or_404(db, account_id: int) -> Account:
    account = accounts.get(db, account_id=account_id)
    if account is None:
        raise not_found()
    return account


async def _upload(value, field: str, max_bytes: int) -> bytes:
    if not isinstance(value, UploadFile):
        raise unprocessable(f"Validation failed: {field} must be a file sent as multipart/form-data")
    data = await value.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise unprocessable(f"Validation failed: {field} is larger than {max_bytes} bytes")
    return data


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
def verify_credentials(db: DbSession, settings: AppSettings, account: Account = require("read:accounts")) -> dict:
    return serialize_credential_account(db, account, settings)


@router.patch("/update_credentials")
async def update_credentials(request: Request, db: DbSession, settings: AppSettings,
                             account: Account = require("write:accounts")) -> dict:
    params = await request_params(request)
    changes = parse(CredentialsUpdate, {k: v for k, v in params.items() if k in CredentialsUpdate.model_fields})
    images = {kind: await _upload(params[kind], kind, settings.max_media_bytes)
              for kind in ("avatar", "header") if params.get(kind) not in (None, "")}
    UpdateCredentials(db, settings)(account, **changes.model_dump(exclude_none=True), **images)
    db.commit()
    return serialize_credential_account(db, account, settings)


@router.get("/relationships")
def relationships_of(db: DbSession, ids: Annotated[list[int], Query(alias="id[]")] = [],
                     id: Annotated[list[int], Query()] = [], account: Account = require("read:follows")) -> list[dict]:
    """``id[]=1&id[]=2``, or a single ``id=1`` (Mastodon takes both; Mastodon.py sends the latter for one)."""
    return serialize_relationships(db, viewer_id=account.id, target_ids=[*ids, *id])


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


def _follow_list(db, request, settings, viewer: Account | None, account_id: int, page: PageParams, *,
                 outgoing: bool):
    """Followers (``outgoing=False``) or followings of an account; empty for a suspended
    account or for a viewer it blocks, as in Mastodon."""
    account = _account_or_404(db, account_id)
    hidden = account.suspended_at is not None or (
        viewer is not None and account_pairs.find(db, Block, account_id=account.id,
                                                  target_account_id=viewer.id) is not None)
    if hidden:
        return link_header(request, [], [])
    found = account_pairs.page(db, Follow, owner_id=account.id, outgoing=outgoing, **page.cursor())
    return link_header(request, serialize_account_page(found, settings), found.ids)


@router.get("/{account_id}/followers")
def followers(account_id: int, request: Request, db: DbSession, settings: AppSettings, viewer: Viewer,
              page: PageParams = page_params(40, 80)):
    return _follow_list(db, request, settings, viewer, account_id, page, outgoing=False)


@router.get("/{account_id}/following")
def following(account_id: int, request: Request, db: DbSession, settings: AppSettings, viewer: Viewer,
              page: PageParams = page_params(40, 80)):
    return _follow_list(db, request, settings, viewer, account_id, page, outgoing=True)


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


@router.post("/{account_id}/block")
def block(account_id: int, db: DbSession, settings: AppSettings, account: Account = require("write:blocks")) -> dict:
    target = _account_or_404(db, account_id)
    BlockAccount(db, settings)(account, target)
    db.commit()
    return serialize_relationships(db, viewer_id=account.id, target_ids=[target.id])[0]


@router.post("/{account_id}/unblock")
def unblock(account_id: int, db: DbSession, account: Account = require("write:blocks")) -> dict:
    target = _account_or_404(db, account_id)
    UnblockAccount(db)(account, target)
    db.commit()
    return serialize_relationships(db, viewer_id=account.id, target_ids=[target.id])[0]


@router.post("/{account_id}/mute")
async def mute(account_id: int, request: Request, db: DbSession, account: Account = require("write:mutes")) -> dict:
    target = _account_or_404(db, account_id)
    params = parse(MuteParams, await request_params(request))
    MuteAccount(db)(account, target, notifications=params.notifications, duration=params.duration)
    db.commit()
    return serialize_relationships(db, viewer_id=account.id, target_ids=[target.id])[0]


@router.post("/{account_id}/unmute")
def unmute(account_id: int, db: DbSession, account: Account = require("write:mutes")) -> dict:
    target = _account_or_404(db, account_id)
    UnmuteAccount(db)(account, target)
    db.commit()
    return serialize_relationships(db, viewer_id=account.id, target_ids=[target.id])[0]
