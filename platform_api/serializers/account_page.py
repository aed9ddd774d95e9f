"""Account lists (followers, following, blocks, mutes, follow requests) as Mastodon renders them."""

from __future__ import annotations

from agora.settings import Settings
from platform_api.repositories.account_pairs import PairPage
from platform_api.serializers.account import iso_datetime, serialize_account


def serialize_account_page(page: PairPage, settings: Settings) -> list[dict]:
    return [serialize_account(a, settings) for a in page.accounts]


def serialize_mute_page(page: PairPage, settings: Settings) -> list[dict]:
    """Muted accounts carry ``mute_expires_at`` (null for a mute without end)."""
    return [{**serialize_account(a, settings), "mute_expires_at": iso_datetime(m.expires_at)}
            for m, a in zip(page.rows, page.accounts)]
