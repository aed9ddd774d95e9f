"""Notifications: the list, and one item as the fragment the page inserts when the streaming
API announces it."""

from __future__ import annotations

from fastapi import APIRouter, Request

from platform_api.web.pages import Api, Me, render

router = APIRouter(prefix="/web", include_in_schema=False)


@router.get("/notifications")
async def notifications(request: Request, api: Api, me: Me):
    return render(request, "notifications.html", notifications=await api.get("/api/v1/notifications", limit=40))


@router.get("/notifications/{notification_id}/item")
async def notification_item(request: Request, api: Api, me: Me, notification_id: int):
    notification = await api.get(f"/api/v1/notifications/{notification_id}")
    return render(request, "_notification.html", notification=notification, live=True)
