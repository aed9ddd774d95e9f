"""SQL for registered OAuth applications outside the OAuth routes (the web client's own app)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.tables import Application


def registered(session: Session, *, name: str, redirect_uri: str, scopes: str) -> Application | None:
    """The newest application called ``name`` that was registered for exactly this redirect and scopes."""
    return session.scalar(select(Application).where(Application.name == name,
                                                    Application.redirect_uris == redirect_uri,
                                                    Application.scopes == scopes)
                          .order_by(Application.id.desc()).limit(1))
