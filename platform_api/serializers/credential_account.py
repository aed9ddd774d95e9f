"""Mastodon CredentialAccount JSON: the viewer's own account with its ``source`` and ``role``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.repositories import account_pairs
from platform_api.serializers.account import serialize_account
from platform_api.serializers.report import serialize_role
from platform_api.tables import Account, FollowRequest


def serialize_credential_account(session: Session, account: Account, settings: Settings) -> dict:
    body = serialize_account(account, settings)
    body["source"] = {
        "privacy": "public", "sensitive": False, "language": account.user.locale if account.user else "en",
        "note": account.note, "fields": [],
        "follow_requests_count": account_pairs.count_incoming(session, FollowRequest, target_account_id=account.id),
    }
    body["role"] = serialize_role(account.role)
    return body
