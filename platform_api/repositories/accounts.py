"""SQL for accounts and their credentials."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from platform_api.tables import Account, User


def get(session: Session, *, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def by_username(session: Session, *, username: str) -> Account | None:
    return session.scalar(select(Account).where(func.lower(Account.username) == username.lower()))


def by_email(session: Session, *, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def many(session: Session, *, account_ids: Iterable[int]) -> dict[int, Account]:
    """Accounts by id. Those this session already holds (a status loads its author) are taken
    from its identity map: a query would hand back the same objects without refreshing them."""
    found: dict[int, Account] = {}
    missing = []
    for account_id in set(account_ids):
        account = session.identity_map.get(identity_key(Account, account_id))
        if account is not None and not inspect(account).expired_attributes:
            found[account_id] = account
        else:
            missing.append(account_id)
    if missing:
        found.update((a.id, a) for a in session.scalars(select(Account).where(Account.id.in_(missing))))
    return found


def usernames(session: Session, *, account_ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(account_ids))
    if not ids:
        return {}
    return dict(session.execute(select(Account.id, Account.username).where(Account.id.in_(ids))).all())


def ids_by_usernames(session: Session, *, usernames: Iterable[str]) -> dict[str, int]:
    names = [u.lower() for u in usernames]
    if not names:
        return {}
    rows = session.execute(select(func.lower(Account.username), Account.id)
                           .where(func.lower(Account.username).in_(names)))
    return dict(rows.all())


def add_to_counter(session: Session, *, account_id: int, column: str, delta: int) -> None:
    col = getattr(Account, column)
    session.execute(update(Account).where(Account.id == account_id).values({col: col + delta})
                    .execution_options(synchronize_session=False))
