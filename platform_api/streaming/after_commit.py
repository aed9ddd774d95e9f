"""Run callbacks once the session's transaction has committed (and forget them on rollback),
so a stream never announces something the database does not have."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from sqlalchemy import event
from sqlalchemy.orm import Session

log = structlog.get_logger("agora.streaming")

_KEY = "agora.after_commit"


def after_commit(session: Session, callback: Callable[..., None], *args, **kwargs) -> None:
    if _KEY not in session.info:
        session.info[_KEY] = []
        event.listen(session, "after_commit", _run)
        event.listen(session, "after_soft_rollback", _forget)
    session.info[_KEY].append((callback, args, kwargs))


def _run(session: Session) -> None:
    callbacks, session.info[_KEY] = session.info.get(_KEY, []), []
    for callback, args, kwargs in callbacks:
        try:
            callback(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a failed publish must not fail the committed request
            log.exception("after_commit_failed", callback=getattr(callback, "__qualname__", repr(callback)))


def _forget(session: Session, _previous_transaction) -> None:
    session.info[_KEY] = []
