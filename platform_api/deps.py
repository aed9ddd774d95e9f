"""Request dependencies as ``Annotated`` aliases routes take as parameters."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from agora.settings import Settings, get_settings
from platform_api.db import session_factory
from platform_api.errors import ApiError
from platform_api.repositories import access_tokens
from platform_api.security import digest
from platform_api.tables import AccessToken, Account


def get_db(request: Request) -> Iterator[Session]:
    session = session_factory(request.app.state.settings)()
    try:
        yield session
    finally:
        session.close()


async def get_app_settings(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


DbSession = Annotated[Session, Depends(get_db)]
AppSettings = Annotated[Settings, Depends(get_app_settings)]


@dataclass
class TokenContext:
    token: AccessToken
    account: Account | None
    scopes: frozenset[str]


def scope_allows(granted: frozenset[str], required: str) -> bool:
    """Mastodon scopes: ``read`` grants every ``read:*``; ``follow`` grants the relationship scopes."""
    if required in granted:
        return True
    top = required.split(":", 1)[0]
    if top in granted and top in ("read", "write", "admin"):
        return True
    if required.startswith("admin:") and f"admin:{required.split(':')[1]}" in granted:
        return True
    follow_scopes = {"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"}
    return "follow" in granted and required in follow_scopes


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.query_params.get("access_token")


def optional_token(request: Request, db: DbSession) -> TokenContext | None:
    secret = _bearer(request)
    if secret is None:
        return None
    found = access_tokens.active_with_account(db, token_digest=digest(secret))
    if found is None:
        raise ApiError(401, "The access token is invalid")
    token, account = found
    if account is not None and (account.suspended_at is not None or account.disabled):
        raise ApiError(401, "Your login is currently disabled")
    return TokenContext(token, account, frozenset(token.scopes.split()))


OptionalToken = Annotated[TokenContext | None, Depends(optional_token)]


def require(scope: str):
    """Dependency: a user token granting ``scope``; returns the acting account."""

    async def _dependency(ctx: OptionalToken) -> Account:
        if ctx is None:
            raise ApiError(401, "The access token is invalid")
        if ctx.account is None:
            raise ApiError(422, "This method requires an authenticated user")
        if not scope_allows(ctx.scopes, scope):
            raise ApiError(403, "This action is outside the authorized scopes")
        return ctx.account

    return Depends(_dependency)


async def optional_viewer(ctx: OptionalToken) -> Account | None:
    return ctx.account if ctx is not None else None


Viewer = Annotated[Account | None, Depends(optional_viewer)]
