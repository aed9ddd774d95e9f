"""Follow requests to the viewer's locked account: list, authorize, reject."""

from __future__ import annotations

from fastapi import APIRouter, Request

from platform_api.deps import AppSettings, DbSession, require
from platform_api.errors import not_found
from platform_api.page_params import PageParams, page_params
from platform_api.pagination import link_header
from platform_api.repositories import account_pairs, accounts
from platform_api.serializers.account_page import serialize_account_page
from platform_api.serializers.relationship import serialize_relationships
from platform_api.services.authorize_follow_request import AuthorizeFollowRequest, RejectFollowRequest
from platform_api.tables import Account, FollowRequest

router = APIRouter(prefix="/api/v1/follow_requests", tags=["follow_requests"])


def _requester_or_404(db, account_id: int) -> Account:
    requester = accounts.get(db, account_id=account_id)
    if requester is None:
        raise not_found()
    return requester


@router.get("")
def list_requests(request: Request, db: DbSession, settings: AppSettings, page: PageParams = page_params(40, 80),
                  account: Account = require("read:follows")):
    found = account_pairs.page(db, FollowRequest, owner_id=account.id, outgoing=False, **page.cursor())
    return link_header(request, serialize_account_page(found, settings), found.ids)


@router.post("/{account_id}/authorize")
def authorize(account_id: int, db: DbSession, account: Account = require("write:follows")) -> dict:
    requester = _requester_or_404(db, account_id)
    AuthorizeFollowRequest(db)(account, requester)
    db.commit()
    return serialize_relationships(db, viewer_id=account.id, target_ids=[requester.id])[0]


@router.post("/{account_id}/reject")
def reject(account_id: int, db: DbSession, account: Account = require("write:follows")) -> dict:
    requester = _requester_or_404(db, account_id)
    RejectFollowRequest(db)(account, requester)
    db.commit()
    return serialize_relationships(db, viewer_id=account.id, target_ids=[requester.id])[0]
