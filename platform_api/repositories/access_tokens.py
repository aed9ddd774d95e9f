"""SQL for bearer tokens outside the request dependencies (the WebSocket handshake)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.tables import AccessToken


def active_by_digest(session: Session, *, token_digest: str) -> AccessToken | None:
    return session.scalar(select(AccessToken).where(AccessToken.token_digest == token_digest,
                                                    AccessToken.revoked_at.is_(None)))
