"""SQL for the moderation of posts: the pending queue, the system reporter, open flags."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from platform_api.tables import Account, Report, Status

PENDING = "pending"
#: The account that files model-flagged reports. A dot cannot appear in a registered username,
#: so no user can take it.
SYSTEM_REPORTER = "agora.moderation"


def pending(session: Session, *, limit: int, locking: bool = False) -> list[Status]:
    """Oldest pending posts first (the asynchronous queue is these rows). ``locking`` skips rows
    another worker holds (PostgreSQL, MySQL), so two API processes never classify the same post."""
    query = (select(Status).where(Status.moderation_state == PENDING, Status.deleted_at.is_(None))
             .options(lazyload(Status.account))  # no outer join: PostgreSQL cannot lock its nullable side
             .order_by(Status.id).limit(limit))
    if locking and session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def count_pending(session: Session) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(Status).where(
        Status.moderation_state == PENDING, Status.deleted_at.is_(None))) or 0


def system_reporter(session: Session) -> Account:
    account = session.scalar(select(Account).where(Account.username == SYSTEM_REPORTER))
    if account is None:
        account = Account(username=SYSTEM_REPORTER, display_name="Automated moderation", bot=True,
                          discoverable=False)
        session.add(account)
        session.flush()
    return account


def open_report_on(session: Session, *, reporter_id: int, target_account_id: int, status_id: int) -> Report | None:
    """An unresolved report by ``reporter_id`` that names ``status_id`` (so a re-flag adds none)."""
    candidates = session.scalars(select(Report).where(Report.account_id == reporter_id,
                                                      Report.target_account_id == target_account_id,
                                                      Report.action_taken_at.is_(None)))
    return next((r for r in candidates if status_id in json.loads(r.status_ids or "[]")), None)
