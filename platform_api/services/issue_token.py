from __future__ import annotations

from sqlalchemy.orm import Session

from platform_api.security import digest, new_secret
from platform_api.tables import AccessToken, Account, Application


class IssueToken:
    """Mint a bearer token; only its digest is stored, the secret is returned once."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, *, application: Application | None, account: Account | None, scopes: str) -> tuple[str, AccessToken]:
        secret = new_secret()
        token = AccessToken(token_digest=digest(secret), application_id=application.id if application else None,
                            account_id=account.id if account else None, scopes=scopes)
        self.session.add(token)
        return secret, token
