"""Agora's own web client and moderator console: server-rendered pages (Jinja2 + htmx) under
``/web/`` that call the API in-process with the signed-in user's token."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from platform_api.web.own_api import TOKEN_COOKIE, ApiCallFailed
from platform_api.web.pages import LoginRequired, is_htmx, render
from platform_api.web.routes import accounts, admin, auth, conversations, discover, notifications, statuses

STATIC_DIR = Path(__file__).parent / "static"


def install_web(app: FastAPI) -> None:
    app.mount("/web/static", StaticFiles(directory=STATIC_DIR), name="web_static")
    for module in (auth, statuses, accounts, notifications, discover, conversations, admin):
        app.include_router(module.router)
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(ApiCallFailed, _api_refused)


def _to_login(request: Request, exc: LoginRequired) -> Response:
    if is_htmx(request):
        response = Response(status_code=204, headers={"HX-Redirect": "/web/"})
    else:
        response = RedirectResponse("/web/", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/web")
    return response


def _api_refused(request: Request, exc: ApiCallFailed) -> Response:
    return render(request, "error.html", status_code=exc.status, status=exc.status, message=exc.message)
