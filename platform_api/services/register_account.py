from __future__ import annotations

import re

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import unprocessable
from platform_api.repositories import accounts, outbox
from platform_api.security import hash_password
from platform_api.tables import Account, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
ROLES = ("user", "moderator", "admin")


class RegisterAccount:
    """Create a local account with its login; the ``account.created`` event goes in the same transaction."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, *, username: str, email: str, password: str, display_name: str = "",
                 note: str = "", role: str = "user", locked: bool = False, bot: bool = False,
                 password_hash: str | None = None, created_at=None) -> Account:
        self._validate(username, email, password, role)
        account = Account(username=username, display_name=display_name or "", note=note, role=role,
                          locked=locked, bot=bot)
        if created_at is not None:
            account.created_at = created_at
        account.user = User(email=email, password_hash=password_hash or hash_password(password))
        self.session.add(account)
        self.session.flush()
        outbox.record_event(self.session, EventType.ACCOUNT_CREATED, actor_id=account.id,
                            occurred_at=account.created_at)
        return account

    def _validate(self, username: str, email: str, password: str, role: str) -> None:
        if not USERNAME_RE.match(username or ""):
            raise unprocessable("Validation failed: username must be 1-30 letters, digits or underscores")
        if "@" not in (email or ""):
            raise unprocessable("Validation failed: email is invalid")
        if len(password or "") < 8:
            raise unprocessable("Validation failed: password is too short (minimum is 8 characters)")
        if role not in ROLES:
            raise unprocessable(f"Validation failed: role must be one of {', '.join(ROLES)}")
        if accounts.by_username(self.session, username=username) is not None:
            raise unprocessable("Validation failed: username is already taken")
        if accounts.by_email(self.session, email=email) is not None:
            raise unprocessable("Validation failed: email is already taken")
