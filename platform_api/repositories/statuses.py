"""SQL for statuses and the marks viewers put on them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import literal, select, union_all, update
from sqlalchemy.orm import Session

from platform_api.tables import Account, Bookmark, Favourite, MediaAttachment, Mention, Pin, Status, StatusTag, Tag


def get(session: Session, *, status_id: int) -> Status | None:
    status = session.get(Status, status_id)
    return None if status is None or status.deleted_at is not None else status


def many(session: Session, *, status_ids: Iterable[int]) -> dict[int, Status]:
    ids = list(set(status_ids))
    if not ids:
        return {}
    rows = session.scalars(select(Status).where(Status.id.in_(ids), Status.deleted_at.is_(None)))
    return {s.id: s for s in rows}


def visibility_rows(session: Session, *, status_ids: Iterable[int]) -> list[tuple]:
    """What the visibility rules read of each live status, and when it was posted, as plain
    columns (no ORM objects): (id, account_id, visibility, moderation_state, expires_at, is_story,
    author suspended, created_at)."""
    ids = list(set(status_ids))
    if not ids:
        return []
    return [tuple(r) for r in session.execute(
        select(Status.id, Status.account_id, Status.visibility, Status.moderation_state, Status.expires_at,
               Status.is_story, Account.suspended_at.is_not(None), Status.created_at)
        .join(Account, Account.id == Status.account_id)
        .where(Status.id.in_(ids), Status.deleted_at.is_(None)))]


def mentioning(session: Session, *, account_id: int, status_ids: Iterable[int]) -> set[int]:
    """Which of ``status_ids`` mention ``account_id``."""
    ids = list(set(status_ids))
    if not ids:
        return set()
    return set(session.scalars(select(Mention.status_id).where(Mention.account_id == account_id,
                                                               Mention.status_id.in_(ids))))


def recent_home_ids_by_authors(session: Session, *, author_ids: Iterable[int], max_id: int | None = None,
                               limit: int = 500) -> list[int]:
    """Ids of the authors' latest live posts that may enter a home feed (no direct posts or
    stories), newest first."""
    ids = list(set(author_ids))
    if not ids:
        return []
    query = select(Status.id).where(Status.account_id.in_(ids), Status.deleted_at.is_(None),
                                    Status.visibility != "direct", Status.is_story.is_(False))
    if max_id is not None:
        query = query.where(Status.id < max_id)
    return list(session.scalars(query.order_by(Status.id.desc()).limit(limit)))


def add_to_counter(session: Session, *, status_id: int, column: str, delta: int) -> None:
    col = getattr(Status, column)
    session.execute(update(Status).where(Status.id == status_id).values({col: col + delta})
                    .execution_options(synchronize_session=False))


def tag_ids(session: Session, *, names: Iterable[str]) -> dict[str, int]:
    """Ids of the named tags, creating the missing ones."""
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    known: dict[str, int] = session.info.setdefault("tag_ids", {})  # tags are never deleted
    missing = [n for n in names if n not in known]
    if missing:
        known.update(session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(missing))).all())
    for name in missing:
        if name not in known:
            tag = Tag(name=name)
            session.add(tag)
            session.flush()
            known[name] = tag.id
    return {n: known[n] for n in names}


def attach_tags(session: Session, *, status_id: int, tag_ids: Iterable[int]) -> None:
    session.add_all(StatusTag(status_id=status_id, tag_id=t) for t in tag_ids)


def attach_mentions(session: Session, *, status_id: int, account_ids: Iterable[int]) -> None:
    session.add_all(Mention(status_id=status_id, account_id=a) for a in account_ids)


def viewer_marks(session: Session, *, viewer_id: int, status_ids: list[int]) -> dict[str, set[int]]:
    """Which of ``status_ids`` the viewer favourited, bookmarked, pinned or reblogged (one query)."""
    marks: dict[str, set[int]] = {"favourited": set(), "bookmarked": set(), "pinned": set(), "reblogged": set()}
    if not status_ids:
        return marks

    def _marked(kind: str, model):
        return select(literal(kind).label("kind"), model.status_id.label("status_id")).where(
            model.account_id == viewer_id, model.status_id.in_(status_ids))

    reblogged = select(literal("reblogged").label("kind"), Status.reblog_of_id.label("status_id")).where(
        Status.account_id == viewer_id, Status.reblog_of_id.in_(status_ids), Status.deleted_at.is_(None))
    for kind, status_id in session.execute(union_all(_marked("favourited", Favourite), _marked("bookmarked", Bookmark),
                                                     _marked("pinned", Pin), reblogged)):
        marks[kind].add(status_id)
    return marks


def tags_for(session: Session, *, status_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if status_ids:
        rows = session.execute(select(StatusTag.status_id, Tag.name).join(Tag, Tag.id == StatusTag.tag_id)
                               .where(StatusTag.status_id.in_(status_ids)))
        for status_id, name in rows:
            out.setdefault(status_id, []).append(name)
    return out


def mentions_for(session: Session, *, status_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    if status_ids:
        rows = session.execute(select(Mention.status_id, Mention.account_id).where(Mention.status_id.in_(status_ids)))
        for status_id, account_id in rows:
            out.setdefault(status_id, []).append(account_id)
    return out


def media_for(session: Session, *, status_ids: list[int]) -> dict[int, list[MediaAttachment]]:
    out: dict[int, list[MediaAttachment]] = {}
    if status_ids:
        rows = session.scalars(select(MediaAttachment).where(MediaAttachment.status_id.in_(status_ids))
                               .order_by(MediaAttachment.id))
        for media in rows:
            out.setdefault(media.status_id, []).append(media)
    return out
