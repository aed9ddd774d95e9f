"""Mastodon Account JSON."""

from __future__ import annotations

from agora.settings import Settings
from platform_api.tables import Account
from platform_api.text import plain_text


def _iso(dt) -> str | None:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z" if dt else None


def serialize_account(account: Account, settings: Settings) -> dict:
    base = settings.api_url
    avatar = f"{base}/media/{account.avatar_path}" if account.avatar_path else f"{base}/web/static/avatar.png"
    header = f"{base}/media/{account.header_path}" if account.header_path else f"{base}/web/static/header.png"
    suspended = account.suspended_at is not None
    return {
        "id": str(account.id),
        "username": account.username,
        "acct": account.username,
        "display_name": account.display_name or "",   # plain text: clients escape it (Mastodon)
        "locked": account.locked,
        "bot": account.bot,
        "discoverable": account.discoverable,
        "group": False,
        "created_at": _iso(account.created_at.replace(hour=0, minute=0, second=0, microsecond=0)),
        "note": "" if suspended else f"<p>{plain_text(account.note)}</p>" if account.note else "",
        "url": f"{base}/@{account.username}",
        "uri": f"{base}/users/{account.username}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": account.statuses_count,
        "last_status_at": account.last_status_at.date().isoformat() if account.last_status_at else None,
        "emojis": [],
        "fields": [],
        **({"suspended": True} if suspended else {}),
        **({"limited": True} if account.silenced_at is not None else {}),
    }


iso_datetime = _iso
