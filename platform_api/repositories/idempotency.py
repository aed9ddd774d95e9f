"""SQL for ``Idempotency-Key``s: one status per (account, key)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.tables import IdempotencyKey


def status_id_for(session: Session, *, account_id: int, key: str, locking: bool = False) -> int | None:
    """The status an earlier request with this key created. ``locking`` reads the latest committed
    row (MySQL's REPEATABLE READ would otherwise answer from the transaction's old snapshot)."""
    query = select(IdempotencyKey.status_id).where(IdempotencyKey.account_id == account_id,
                                                   IdempotencyKey.key == key)
    if locking:
        query = query.with_for_update()
    return session.scalar(query)


def claim(session: Session, *, account_id: int, key: str, status_id: int) -> None:
    """Insert the key now (flushes): a concurrent request with the same key fails here, not at commit."""
    session.add(IdempotencyKey(account_id=account_id, key=key, status_id=status_id))
    session.flush()
