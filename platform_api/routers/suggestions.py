"""Follow suggestions (v2 with sources, v1 as plain accounts) and dismissing one."""

from __future__ import annotations

from fastapi import APIRouter, Request

from platform_api.deps import AppSettings, DbSession, require
from platform_api.errors import not_found
from platform_api.repositories import accounts
from platform_api.serializers.account import serialize_account
from platform_api.serializers.suggestion import serialize_suggestion
from platform_api.services.suggest_accounts import DismissSuggestion, SuggestAccounts
from platform_api.tables import Account

router = APIRouter(tags=["suggestions"])


@router.get("/api/v2/suggestions")
def suggestions_v2(request: Request, db: DbSession, settings: AppSettings, limit: int = 40,
                   account: Account = require("read")) -> list[dict]:
    found = SuggestAccounts(db, request.app.state.suggest_client)(account, limit=max(1, min(limit, 80)))
    return [serialize_suggestion(s, settings) for s in found]


@router.get("/api/v1/suggestions")
def suggestions_v1(request: Request, db: DbSession, settings: AppSettings, limit: int = 40,
                   account: Account = require("read")) -> list[dict]:
    found = SuggestAccounts(db, request.app.state.suggest_client)(account, limit=max(1, min(limit, 80)))
    return [serialize_account(s.account, settings) for s in found]


@router.delete("/api/v1/suggestions/{account_id}")
def dismiss(account_id: int, db: DbSession, account: Account = require("read")) -> dict:
    target = accounts.get(db, account_id=account_id)
    if target is None:
        raise not_found()
    DismissSuggestion(db)(account, target)
    db.commit()
    return {}
