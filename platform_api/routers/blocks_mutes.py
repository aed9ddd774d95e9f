"""The viewer's blocked and muted accounts."""

from __future__ import annotations

from fastapi import APIRouter, Request

from platform_api.deps import AppSettings, DbSession, require
from platform_api.page_params import PageParams, page_params
from platform_api.pagination import link_header
from platform_api.repositories import account_pairs
from platform_api.serializers.account_page import serialize_account_page, serialize_mute_page
from platform_api.tables import Account, Block

router = APIRouter(prefix="/api/v1", tags=["blocks", "mutes"])


@router.get("/blocks")
def blocks(request: Request, db: DbSession, settings: AppSettings, page: PageParams = page_params(40, 80),
           account: Account = require("read:blocks")):
    found = account_pairs.page(db, Block, owner_id=account.id, outgoing=True, **page.cursor())
    return link_header(request, serialize_account_page(found, settings), found.ids)


@router.get("/mutes")
def mutes(request: Request, db: DbSession, settings: AppSettings, page: PageParams = page_params(40, 80),
          account: Account = require("read:mutes")):
    found = account_pairs.mutes_page(db, owner_id=account.id, **page.cursor())
    return link_header(request, serialize_mute_page(found, settings), found.ids)
