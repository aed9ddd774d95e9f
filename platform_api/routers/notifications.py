"""Notifications: list, show, dismiss, clear, unread count."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from platform_api.deps import AppSettings, DbSession, require
from platform_api.errors import not_found
from platform_api.page_params import PageParams, page_params
from platform_api.pagination import link_header
from platform_api.serializers.notification import NotificationPresenter
from platform_api.services.dismiss_notification import ClearNotifications, DismissNotification
from platform_api.services.list_notifications import CountUnreadNotifications, ListNotifications
from platform_api.tables import Account

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@dataclass(frozen=True)
class NotificationFilters:
    types: list[str]
    exclude_types: list[str]
    from_account_id: int | None


def _filters(types: Annotated[list[str], Query(alias="types[]")] = [],
             exclude_types: Annotated[list[str], Query(alias="exclude_types[]")] = [],
             account_id: int | None = None) -> NotificationFilters:
    return NotificationFilters(types, exclude_types, account_id)


Filters = Annotated[NotificationFilters, Depends(_filters)]


@router.get("")
def list_notifications(request: Request, db: DbSession, settings: AppSettings, filters: Filters,
                       page: PageParams = page_params(40, 80), account: Account = require("read:notifications")):
    found = ListNotifications(db)(account, **asdict(filters), **page.cursor())
    body = NotificationPresenter(db, settings, account).render(found)
    return link_header(request, body, [n.id for n in found])


@router.get("/unread_count")
def unread_count(db: DbSession, filters: Filters, limit: int = 100,
                 account: Account = require("read:notifications")) -> dict:
    count = CountUnreadNotifications(db)(account, limit=max(1, min(limit, 1000)), **asdict(filters))
    return {"count": count}


@router.post("/clear")
def clear(db: DbSession, account: Account = require("write:notifications")) -> dict:
    ClearNotifications(db)(account)
    db.commit()
    return {}


@router.get("/{notification_id}")
def get_notification(notification_id: int, db: DbSession, settings: AppSettings,
                     account: Account = require("read:notifications")) -> dict:
    found = ListNotifications(db)(account, max_id=notification_id + 1, since_id=notification_id - 1, limit=1)
    if not found:
        raise not_found()
    return NotificationPresenter(db, settings, account).render_one(found[0])


@router.post("/{notification_id}/dismiss")
def dismiss(notification_id: int, db: DbSession, account: Account = require("write:notifications")) -> dict:
    DismissNotification(db)(account, notification_id)
    db.commit()
    return {}
