"""Who is on the other end of a WebSocket (``Authorization``, ``?access_token=`` or the
``Sec-WebSocket-Protocol`` header, as Mastodon accepts)."""

from __future__ import annotations

from dataclasses import dataclass

from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.deps import scope_allows
from platform_api.repositories import access_tokens, accounts
from platform_api.security import digest


@dataclass(frozen=True)
class StreamViewer:
    account_id: int | None


class StreamAuthError(Exception):
    pass


def authenticate(settings: Settings, secret: str | None) -> StreamViewer:
    """The token's account; anonymous without a token; ``StreamAuthError`` for a bad one."""
    if not secret:
        return StreamViewer(None)
    with session_scope(settings) as session:
        token = access_tokens.active_by_digest(session, token_digest=digest(secret))
        if token is None:
            raise StreamAuthError("The access token is invalid")
        account = accounts.get(session, account_id=token.account_id) if token.account_id else None
        if account is not None and (account.suspended_at is not None or account.disabled):
            raise StreamAuthError("Your login is currently disabled")
        if not scope_allows(frozenset(token.scopes.split()), "read:statuses"):
            raise StreamAuthError("This action is outside the authorized scopes")
        return StreamViewer(account.id if account else None)
