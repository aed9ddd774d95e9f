"""SQL for the marks accounts put on statuses besides favourites: bookmarks, pins and
reblogs (a reblog is a Status row with ``reblog_of_id``), and the paged lists built on them."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from platform_api.tables import Account, Bookmark, Favourite, Pin, Status


def find_bookmark(session: Session, *, account_id: int, status_id: int) -> Bookmark | None:
    return session.scalar(select(Bookmark).where(Bookmark.account_id == account_id, Bookmark.status_id == status_id))


def remove_bookmark(session: Session, *, account_id: int, status_id: int) -> bool:
    return session.execute(delete(Bookmark).where(Bookmark.account_id == account_id,
                                                  Bookmark.status_id == status_id)).rowcount > 0


def find_pin(session: Session, *, account_id: int, status_id: int) -> Pin | None:
    return session.scalar(select(Pin).where(Pin.account_id == account_id, Pin.status_id == status_id))


def pin_count(session: Session, *, account_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Pin).where(Pin.account_id == account_id)) or 0


def remove_pin(session: Session, *, account_id: int, status_id: int) -> bool:
    return session.execute(delete(Pin).where(Pin.account_id == account_id, Pin.status_id == status_id)).rowcount > 0


def remove_pins_of(session: Session, *, status_id: int) -> None:
    session.execute(delete(Pin).where(Pin.status_id == status_id))


def find_reblog(session: Session, *, account_id: int, status_id: int) -> Status | None:
    """The live reblog of ``status_id`` by ``account_id``, if any."""
    return session.scalar(select(Status).where(Status.account_id == account_id, Status.reblog_of_id == status_id,
                                               Status.deleted_at.is_(None)))


def live_reblogs_of(session: Session, *, status_id: int) -> list[Status]:
    return list(session.scalars(select(Status).where(Status.reblog_of_id == status_id, Status.deleted_at.is_(None))))


def marked_page(session: Session, model, *, account_id: int, max_id: int | None = None,
                since_id: int | None = None, min_id: int | None = None, limit: int = 20) -> list[tuple[int, Status]]:
    """(mark id, status) pairs of one account's bookmarks or favourites, newest mark first.
    Mastodon pages these by the mark's id, not the status id."""
    query = (select(model.id, Status).join(Status, Status.id == model.status_id)
             .where(model.account_id == account_id, Status.deleted_at.is_(None)))
    if max_id is not None:
        query = query.where(model.id < max_id)
    if since_id is not None:
        query = query.where(model.id > since_id)
    if min_id is not None:
        rows = session.execute(query.where(model.id > min_id).order_by(model.id.asc()).limit(limit)).all()
        return [tuple(r) for r in rows][::-1]
    return [tuple(r) for r in session.execute(query.order_by(model.id.desc()).limit(limit)).all()]


def bookmarks_page(session: Session, **kw) -> list[tuple[int, Status]]:
    return marked_page(session, Bookmark, **kw)


def favourites_page(session: Session, **kw) -> list[tuple[int, Status]]:
    return marked_page(session, Favourite, **kw)


def _actors_page(session: Session, query, key, *, max_id, since_id, min_id, limit) -> list[tuple[int, Account]]:
    query = query.where(Account.suspended_at.is_(None))
    if max_id is not None:
        query = query.where(key < max_id)
    if since_id is not None:
        query = query.where(key > since_id)
    if min_id is not None:
        rows = session.execute(query.where(key > min_id).order_by(key.asc()).limit(limit)).all()
        return [tuple(r) for r in rows][::-1]
    return [tuple(r) for r in session.execute(query.order_by(key.desc()).limit(limit)).all()]


def favouriters_page(session: Session, *, status_id: int, max_id=None, since_id=None, min_id=None,
                     limit: int = 40) -> list[tuple[int, Account]]:
    query = (select(Favourite.id, Account).join(Account, Account.id == Favourite.account_id)
             .where(Favourite.status_id == status_id))
    return _actors_page(session, query, Favourite.id, max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)


def rebloggers_page(session: Session, *, status_id: int, max_id=None, since_id=None, min_id=None,
                    limit: int = 40) -> list[tuple[int, Account]]:
    query = (select(Status.id, Account).join(Account, Account.id == Status.account_id)
             .where(Status.reblog_of_id == status_id, Status.deleted_at.is_(None)))
    return _actors_page(session, query, Status.id, max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)


def engaged_account_ids(session: Session, *, status_id: int) -> set[int]:
    """Accounts that reblogged or favourited a status (they hear about its edits)."""
    favs = set(session.scalars(select(Favourite.account_id).where(Favourite.status_id == status_id)))
    reblogs = set(session.scalars(select(Status.account_id).where(Status.reblog_of_id == status_id,
                                                                  Status.deleted_at.is_(None))))
    return favs | reblogs
