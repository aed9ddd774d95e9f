"""Rendering and the per-page dependencies: who is signed in, and whether they are staff."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from platform_api.web.own_api import TOKEN_COOKIE, ApiCallFailed, OwnApi, own_api

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

Api = Annotated[OwnApi, Depends(own_api)]

STAFF_ROLES = {"Admin", "Moderator"}


class LoginRequired(Exception):
    """No token cookie, or the API no longer accepts it: go through the OAuth flow again."""


async def signed_in_account(request: Request, api: Api) -> dict:
    if not api.signed_in:
        raise LoginRequired()
    try:
        me = await api.get("/api/v1/accounts/verify_credentials")
    except ApiCallFailed as exc:
        if exc.status == 401:
            raise LoginRequired() from exc
        raise
    request.state.me = me
    return me


async def staff_account(me: Annotated[dict, Depends(signed_in_account)]) -> dict:
    if not is_staff(me):
        raise ApiCallFailed(403, "The moderator console is for moderators and admins only.")
    return me


def is_staff(me: dict | None) -> bool:
    return bool(me) and (me.get("role") or {}).get("name") in STAFF_ROLES


Me = Annotated[dict, Depends(signed_in_account)]
Staff = Annotated[dict, Depends(staff_account)]


def render(request: Request, template: str, status_code: int = 200, **context):
    me = getattr(request.state, "me", None)
    return templates.TemplateResponse(request, template, {
        "me": me, "is_staff": is_staff(me),
        # Like Mastodon's web client, the page hands its own token to the browser's streaming
        # connection (EventSource cannot send headers); the cookie itself stays HttpOnly.
        "stream_token": request.cookies.get(TOKEN_COOKIE) if me else None,
        **context}, status_code=status_code)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
