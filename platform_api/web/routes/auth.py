"""Signing in through our own OAuth 2 authorization-code flow with PKCE (the web client is a
registered app like any other), and signing out."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from platform_api.deps import DbSession
from platform_api.repositories import applications
from platform_api.security import pkce_s256
from platform_api.web.own_api import TOKEN_COOKIE, ApiCallFailed
from platform_api.web.pages import Api, render

router = APIRouter(prefix="/web", include_in_schema=False)

APP_NAME = "Agora Web"
SCOPES = "read write follow admin:read admin:write"
FLOW_COOKIE = "agora_oauth"
FLOW_SECONDS = 600


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("web_oauth_callback"))


async def _web_app(db, api, redirect_uri: str) -> tuple[str, str]:
    """The web client's OAuth app for this address, registered through the API on first use."""
    app = applications.registered(db, name=APP_NAME, redirect_uri=redirect_uri, scopes=SCOPES)
    if app is not None:
        return app.client_id, app.client_secret
    created = await api.post("/api/v1/apps", data={"client_name": APP_NAME, "redirect_uris": redirect_uri,
                                                   "scopes": SCOPES})
    return created["client_id"], created["client_secret"]


@router.get("/")
async def landing(request: Request, api: Api):
    if api.signed_in:
        return RedirectResponse("/web/home", status_code=303)
    return render(request, "welcome.html")


@router.get("/login")
async def login(request: Request, db: DbSession, api: Api):
    redirect_uri = _redirect_uri(request)
    client_id, _ = await _web_app(db, api, redirect_uri)
    state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                       "scope": SCOPES, "state": state, "code_challenge": pkce_s256(verifier),
                       "code_challenge_method": "S256"})
    response = RedirectResponse(f"/oauth/authorize?{query}", status_code=303)
    response.set_cookie(FLOW_COOKIE, f"{state}.{verifier}", max_age=FLOW_SECONDS, path="/web", httponly=True,
                        samesite="lax", secure=_secure(request))
    return response


@router.get("/oauth/callback", name="web_oauth_callback")
async def oauth_callback(request: Request, db: DbSession, api: Api, code: str = "", state: str = ""):
    expected_state, _, verifier = request.cookies.get(FLOW_COOKIE, "").partition(".")
    if not code or not verifier or not secrets.compare_digest(state, expected_state):
        raise ApiCallFailed(400, "This sign-in link is stale or was not started here. Please sign in again.")
    redirect_uri = _redirect_uri(request)
    client_id, _ = await _web_app(db, api, redirect_uri)
    token = await api.post("/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                                 "client_id": client_id, "redirect_uri": redirect_uri,
                                                 "code_verifier": verifier})
    response = RedirectResponse("/web/home", status_code=303)
    response.delete_cookie(FLOW_COOKIE, path="/web")
    response.set_cookie(TOKEN_COOKIE, token["access_token"], path="/web", httponly=True, samesite="lax",
                        secure=_secure(request), max_age=30 * 24 * 3600)
    return response


@router.post("/logout")
async def logout(request: Request, db: DbSession, api: Api):
    token = request.cookies.get(TOKEN_COOKIE)
    if token:
        client_id, client_secret = await _web_app(db, api, _redirect_uri(request))
        await api.post("/oauth/revoke", data={"client_id": client_id, "client_secret": client_secret,
                                              "token": token})
    response = RedirectResponse("/web/", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/web")
    return response
