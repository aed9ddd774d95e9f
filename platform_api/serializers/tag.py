"""Mastodon Tag JSON (search results and trends)."""

from __future__ import annotations

from agora.settings import Settings


def serialize_tag(name: str, settings: Settings, history: list[dict] | None = None) -> dict:
    return {"name": name, "url": f"{settings.api_url}/tags/{name}", "history": history or [],
            "following": False}
