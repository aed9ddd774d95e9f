"""Accounts for the web tests, made the way an operator makes them (``agora accounts create``)."""

from __future__ import annotations

import io

from PIL import Image

PASSWORD = "correct horse battery"


def create_accounts(settings, *specs: tuple[str, str]) -> None:
    """``(username, role)`` pairs, each with ``PASSWORD`` and ``<username>@example.org``."""
    from platform_api.db import create_schema, session_scope
    from platform_api.services.register_account import RegisterAccount

    create_schema(settings)
    with session_scope(settings) as session:
        for username, role in specs:
            RegisterAccount(session)(username=username, email=f"{username}@example.org", password=PASSWORD,
                                     role=role)


def png_bytes(color=(220, 80, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="PNG")
    return buffer.getvalue()
