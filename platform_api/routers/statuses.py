"""Statuses: post, read, edit, delete, the thread around one, and the marks put on them
(favourites, reblogs, bookmarks, pins) with the lists they make."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, Query, Request

from platform_api.deps import AppSettings, DbSession, Viewer, require
from platform_api.errors import not_found
from platform_api.input_schemas import ReblogParams, StatusEdit
from platform_api.pagination import link_header
from platform_api.params import parse, request_params
from platform_api.read_filters import VisibleWithOriginals
from platform_api.repositories import distributions, media, relationships, status_edits, status_marks, statuses
from platform_api.schemas import StatusCreate
from platform_api.serializers.account import serialize_account
from platform_api.serializers.status import StatusPresenter
from platform_api.serializers.status_edit import serialize_history, serialize_source, with_source
from platform_api.services.bookmark_status import BookmarkStatus, UnbookmarkStatus
from platform_api.services.delete_status import DeleteStatus
from platform_api.services.edit_status import EditStatus
from platform_api.services.favourite_status import FavouriteStatus, UnfavouriteStatus
from platform_api.services.pin_status import PinStatus, UnpinStatus
from platform_api.services.post_status import PostStatus
from platform_api.services.reblog_status import ReblogStatus, UnreblogStatus
from platform_api.tables import Account
from platform_api.threads import StatusContext
from platform_api.workers import distribute

router = APIRouter(tags=["statuses"])

Limit40 = Annotated[int, Query(ge=1, le=40)]
Limit80 = Annotated[int, Query(ge=1, le=80)]


def visible_status_or_404(db, viewer: Account | None, status_id: int):
    status = VisibleWithOriginals(db, viewer).one(statuses.get(db, status_id=status_id))
    if status is None:
        raise not_found()
    return status


def _render(db, settings, viewer: Account | None, status) -> dict:
    return StatusPresenter(db, settings, viewer.id if viewer else None).render_one(status)


@router.post("/api/v1/statuses")
async def create_status(request: Request, db: DbSession, settings: AppSettings, background: BackgroundTasks,
                        idempotency_key: Annotated[str | None, Header()] = None,
                        account: Account = require("write:statuses")) -> dict:
    params = parse(StatusCreate, await request_params(request))
    post = PostStatus(db, settings, moderator=request.app.state.moderator)
    status = post(account, params, idempotency_key=idempotency_key)
    if not post.replayed:
        distributions.schedule(db, status_id=status.id)
    db.commit()
    if not post.replayed:
        request.app.state.feed_cache.forget(account.id)  # one's own new post tops one's next home page
        background.add_task(distribute, request.app.state.settings, status.id, request.app.state.retrieval_client)
    return _render(db, settings, account, status)


@router.get("/api/v1/statuses/{status_id}")
def get_status(status_id: int, db: DbSession, settings: AppSettings, viewer: Viewer) -> dict:
    return _render(db, settings, viewer, visible_status_or_404(db, viewer, status_id))


@router.delete("/api/v1/statuses/{status_id}")
def delete_status(status_id: int, db: DbSession, settings: AppSettings,
                  account: Account = require("write:statuses")) -> dict:
    status = statuses.get(db, status_id=status_id)
    if status is None or status.account_id != account.id:
        raise not_found()
    body = with_source(_render(db, settings, account, status), status)
    DeleteStatus(db, settings)(account, status)
    db.commit()
    return body


@router.put("/api/v1/statuses/{status_id}")
async def edit_status(status_id: int, request: Request, db: DbSession, settings: AppSettings,
                      account: Account = require("write:statuses")) -> dict:
    params = parse(StatusEdit, await request_params(request))
    status = statuses.get(db, status_id=status_id)
    if status is None:
        raise not_found()
    EditStatus(db, settings, moderator=request.app.state.moderator)(account, status, params)
    db.commit()
    return _render(db, settings, account, status)


@router.get("/api/v1/statuses/{status_id}/history")
def status_history(status_id: int, db: DbSession, settings: AppSettings, viewer: Viewer) -> list[dict]:
    status = visible_status_or_404(db, viewer, status_id)
    return serialize_history(status, status_edits.revisions(db, status_id=status.id), status.account,
                             media.of_status(db, status_id=status.id), settings)


@router.get("/api/v1/statuses/{status_id}/source")
def status_source(status_id: int, db: DbSession, account: Account = require("read:statuses")) -> dict:
    status = statuses.get(db, status_id=status_id)
    if status is None or status.account_id != account.id:
        raise not_found()
    return serialize_source(status)


@router.get("/api/v1/statuses/{status_id}/context")
def status_context(status_id: int, db: DbSession, settings: AppSettings, viewer: Viewer) -> dict:
    status = visible_status_or_404(db, viewer, status_id)
    ancestors, descendants = StatusContext(db)(status, viewer)
    presenter = StatusPresenter(db, settings, viewer.id if viewer else None)
    return {"ancestors": presenter.render(ancestors), "descendants": presenter.render(descendants)}


@router.post("/api/v1/statuses/{status_id}/favourite")
def favourite(status_id: int, db: DbSession, settings: AppSettings,
              account: Account = require("write:favourites")) -> dict:
    status = visible_status_or_404(db, account, status_id)
    FavouriteStatus(db)(account, status)
    db.commit()
    db.refresh(status)
    return _render(db, settings, account, status)


@router.post("/api/v1/statuses/{status_id}/unfavourite")
def unfavourite(status_id: int, db: DbSession, settings: AppSettings,
                account: Account = require("write:favourites")) -> dict:
    status = visible_status_or_404(db, account, status_id)
    UnfavouriteStatus(db)(account, status)
    db.commit()
    db.refresh(status)
    return _render(db, settings, account, status)


@router.post("/api/v1/statuses/{status_id}/reblog")
async def reblog(status_id: int, request: Request, db: DbSession, settings: AppSettings,
                 background: BackgroundTasks, account: Account = require("write:statuses")) -> dict:
    params = parse(ReblogParams, await request_params(request))
    status = visible_status_or_404(db, account, status_id)
    reblogging = ReblogStatus(db, settings)
    reblog_status = reblogging(account, status, visibility=params.visibility)
    if reblogging.created:
        distributions.schedule(db, status_id=reblog_status.id)
    db.commit()
    db.expire_all()  # the counter was updated in SQL
    if reblogging.created:
        background.add_task(distribute, request.app.state.settings, reblog_status.id)
    return _render(db, settings, account, reblog_status)


@router.post("/api/v1/statuses/{status_id}/unreblog")
def unreblog(status_id: int, db: DbSession, settings: AppSettings,
             account: Account = require("write:statuses")) -> dict:
    status = visible_status_or_404(db, account, status_id)
    original = UnreblogStatus(db, settings)(account, status)
    db.commit()
    db.refresh(original)
    return _render(db, settings, account, original)


@router.post("/api/v1/statuses/{status_id}/bookmark")
def bookmark(status_id: int, db: DbSession, settings: AppSettings,
             account: Account = require("write:bookmarks")) -> dict:
    status = visible_status_or_404(db, account, status_id)
    BookmarkStatus(db)(account, status)
    db.commit()
    return _render(db, settings, account, status)


@router.post("/api/v1/statuses/{status_id}/unbookmark")
def unbookmark(status_id: int, db: DbSession, settings: AppSettings,
               account: Account = require("write:bookmarks")) -> dict:
    status = visible_status_or_404(db, account, status_id)
    UnbookmarkStatus(db)(account, status)
    db.commit()
    return _render(db, settings, account, status)


@router.post("/api/v1/statuses/{status_id}/pin")
def pin(status_id: int, db: DbSession, settings: AppSettings, account: Account = require("write:accounts")) -> dict:
    status = visible_status_or_404(db, account, status_id)
    PinStatus(db)(account, status)
    db.commit()
    return _render(db, settings, account, status)


@router.post("/api/v1/statuses/{status_id}/unpin")
def unpin(status_id: int, db: DbSession, settings: AppSettings,
          account: Account = require("write:accounts")) -> dict:
    status = visible_status_or_404(db, account, status_id)
    UnpinStatus(db)(account, status)
    db.commit()
    return _render(db, settings, account, status)


def _accounts_page(request: Request, db, settings, viewer: Account | None, rows):
    hidden = relationships.hidden_account_ids(db, viewer_id=viewer.id) if viewer else set()
    kept = [(key, a) for key, a in rows if a.id not in hidden]
    return link_header(request, [serialize_account(a, settings) for _, a in kept], [key for key, _ in rows])


@router.get("/api/v1/statuses/{status_id}/favourited_by")
def favourited_by(status_id: int, request: Request, db: DbSession, settings: AppSettings, viewer: Viewer,
                  max_id: int | None = None, since_id: int | None = None, min_id: int | None = None,
                  limit: Limit80 = 40):
    status = visible_status_or_404(db, viewer, status_id)
    rows = status_marks.favouriters_page(db, status_id=status.id, max_id=max_id, since_id=since_id, min_id=min_id,
                                         limit=limit)
    return _accounts_page(request, db, settings, viewer, rows)


@router.get("/api/v1/statuses/{status_id}/reblogged_by")
def reblogged_by(status_id: int, request: Request, db: DbSession, settings: AppSettings, viewer: Viewer,
                 max_id: int | None = None, since_id: int | None = None, min_id: int | None = None,
                 limit: Limit80 = 40):
    status = visible_status_or_404(db, viewer, status_id)
    rows = status_marks.rebloggers_page(db, status_id=status.id, max_id=max_id, since_id=since_id, min_id=min_id,
                                        limit=limit)
    return _accounts_page(request, db, settings, viewer, rows)


def _marked_statuses(request: Request, db, settings, account: Account, rows):
    visible = {s.id for s in VisibleWithOriginals(db, account)([s for _, s in rows])}
    page = [s for _, s in rows if s.id in visible]
    return link_header(request, StatusPresenter(db, settings, account.id).render(page), [key for key, _ in rows])


@router.get("/api/v1/bookmarks")
def bookmarks(request: Request, db: DbSession, settings: AppSettings, max_id: int | None = None,
              since_id: int | None = None, min_id: int | None = None, limit: Limit40 = 20,
              account: Account = require("read:bookmarks")):
    rows = status_marks.bookmarks_page(db, account_id=account.id, max_id=max_id, since_id=since_id, min_id=min_id,
                                       limit=limit)
    return _marked_statuses(request, db, settings, account, rows)


@router.get("/api/v1/favourites")
def favourites(request: Request, db: DbSession, settings: AppSettings, max_id: int | None = None,
               since_id: int | None = None, min_id: int | None = None, limit: Limit40 = 20,
               account: Account = require("read:favourites")):
    rows = status_marks.favourites_page(db, account_id=account.id, max_id=max_id, since_id=since_id, min_id=min_id,
                                        limit=limit)
    return _marked_statuses(request, db, settings, account, rows)
