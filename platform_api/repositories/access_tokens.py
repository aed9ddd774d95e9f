"""SQL for bearer tokens: the request dependencies and the WebSocket handshake."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from platform_api.tables import AccessToken, Account, User


def active_by_digest(session: Session, *, token_digest: str) -> AccessToken | None:
    return session.scalar(select(AccessToken).where(AccessToken.token_digest == token_digest,
                                                    AccessToken.revoked_at.is_(None)))


def active_with_account(session: Session, *, token_digest: str) -> tuple[AccessToken, Account | None] | None:
    """The live token, its account and the account's user (feed order, locale) in one query:
    every authenticated request starts here."""
    row = session.execute(
        select(AccessToken, Account)
        .outerjoin(Account, Account.id == AccessToken.account_id)
        .outerjoin(User, User.account_id == Account.id)
        .options(contains_eager(Account.user))
        .where(AccessToken.token_digest == token_digest, AccessToken.revoked_at.is_(None))).first()
    return None if row is None else (row[0], row[1])
