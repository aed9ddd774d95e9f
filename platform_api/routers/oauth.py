"""Apps and OAuth 2: password, client_credentials and authorization_code (PKCE) grants."""

from __future__ import annotations

import html
import time
from datetime import timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from platform_api.deps import AppSettings, DbSession
from platform_api.errors import ApiError
from platform_api.ids import utcnow
from platform_api.params import parse, request_params
from platform_api.repositories import accounts
from platform_api.security import digest, new_secret, pkce_s256, verify_password
from platform_api.services.issue_token import IssueToken
from platform_api.tables import AccessToken, AuthorizationCode, Application

router = APIRouter(tags=["oauth"])

KNOWN_SCOPES = {"read", "write", "follow", "push", "profile", "admin:read", "admin:write"}
OOB = "urn:ietf:wg:oauth:2.0:oob"


def _scope_string(raw: str | list | None, default: str = "read") -> str:
    if isinstance(raw, list):
        raw = " ".join(raw)
    scopes = (raw or default).replace("+", " ").replace(",", " ").split()
    for scope in scopes:
        if scope.split(":")[0] not in {s.split(":")[0] for s in KNOWN_SCOPES}:
            raise ApiError(400, f"Unknown scope: {scope}")
    return " ".join(dict.fromkeys(scopes))


class AppCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    client_name: str = Field(min_length=1, max_length=255)
    redirect_uris: str | list[str] = OOB
    scopes: str = "read"
    website: str | None = None


@router.post("/api/v1/apps")
async def create_app(request: Request, db: DbSession) -> dict:
    params = parse(AppCreate, await request_params(request))
    redirect = params.redirect_uris if isinstance(params.redirect_uris, str) else "\n".join(params.redirect_uris)
    app = Application(name=params.client_name, website=params.website, client_id=new_secret(24),
                      client_secret=new_secret(32), redirect_uris=redirect, scopes=_scope_string(params.scopes))
    db.add(app)
    db.commit()
    return {"id": str(app.id), "name": app.name, "website": app.website, "redirect_uri": app.redirect_uris,
            "redirect_uris": app.redirect_uris.split(), "client_id": app.client_id,
            "client_secret": app.client_secret, "scopes": app.scopes.split(), "vapid_key": ""}


@router.get("/api/v1/apps/verify_credentials")
def verify_app(request: Request, db: DbSession) -> dict:
    header = request.headers.get("authorization", "")
    token = db.scalar(select(AccessToken).where(AccessToken.token_digest == digest(header[7:].strip()),
                                                AccessToken.revoked_at.is_(None))) if header else None
    if token is None or token.application_id is None:
        raise ApiError(401, "The access token is invalid")
    app = db.get(Application, token.application_id)
    return {"name": app.name, "website": app.website, "scopes": app.scopes.split()}


@router.get("/.well-known/oauth-authorization-server")
def oauth_metadata(settings: AppSettings) -> dict:
    base = settings.api_url
    return {
        "issuer": base + "/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "scopes_supported": sorted(KNOWN_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }


def _client(db, client_id: str | None, client_secret: str | None, *, require_secret: bool = True) -> Application:
    app = db.scalar(select(Application).where(Application.client_id == (client_id or "")))
    if app is None or (require_secret and app.client_secret != client_secret):
        raise ApiError(401, "Client authentication failed due to unknown client, no client authentication "
                            "included, or unsupported authentication method.")
    return app


def _token_response(secret: str, scopes: str) -> dict:
    return {"access_token": secret, "token_type": "Bearer", "scope": scopes, "created_at": int(time.time())}


@router.post("/oauth/token")
async def token(request: Request, db: DbSession) -> dict:
    params = await request_params(request)
    grant = params.get("grant_type")
    app = _client(db, params.get("client_id"), params.get("client_secret"),
                  require_secret=grant != "authorization_code" or "code_verifier" not in params)
    requested = _scope_string(params.get("scope") or params.get("scopes"), default=app.scopes)
    if not set(requested.split()) <= set(app.scopes.split()) | {"profile"}:
        raise ApiError(400, "The requested scope is invalid, unknown, or malformed.")
    issue = IssueToken(db)
    if grant == "client_credentials":
        secret, _ = issue(application=app, account=None, scopes=requested)
    elif grant == "password":
        login = params.get("username") or ""
        user = accounts.by_email(db, email=login)
        account = user.account if user else accounts.by_username(db, username=login)
        user = user or (account.user if account else None)
        if user is None or not verify_password(user.password_hash, params.get("password") or ""):
            raise ApiError(400, "The provided authorization grant is invalid, expired, revoked, does not match "
                                "the redirection URI used in the authorization request, or was issued to "
                                "another client.")
        if user.account.suspended_at is not None or user.account.disabled:
            raise ApiError(403, "Your login is currently disabled")
        secret, _ = issue(application=app, account=user.account, scopes=requested)
    elif grant == "authorization_code":
        code = _redeem_code(db, app, params)
        requested = code.scopes
        secret, _ = issue(application=app, account=accounts.get(db, account_id=code.account_id), scopes=requested)
    else:
        raise ApiError(400, "The authorization grant type is not supported by the authorization server.")
    db.commit()
    return _token_response(secret, requested)


def _redeem_code(db, app: Application, params: dict) -> AuthorizationCode:
    code = db.scalar(select(AuthorizationCode).where(
        AuthorizationCode.code_digest == digest(params.get("code") or ""),
        AuthorizationCode.application_id == app.id))
    if code is None or code.used_at is not None or code.expires_at < utcnow():
        raise ApiError(400, "The provided authorization grant is invalid, expired or revoked.")
    if params.get("redirect_uri") and params["redirect_uri"] != code.redirect_uri:
        raise ApiError(400, "The redirect uri included is not valid.")
    if code.code_challenge:
        if pkce_s256(params.get("code_verifier") or "") != code.code_challenge:
            raise ApiError(400, "The PKCE code verifier does not match the challenge.")
    elif params.get("client_secret") != app.client_secret:
        raise ApiError(401, "Client authentication failed.")
    code.used_at = utcnow()
    return code


@router.post("/oauth/revoke")
async def revoke(request: Request, db: DbSession) -> dict:
    params = await request_params(request)
    _client(db, params.get("client_id"), params.get("client_secret"))
    found = db.scalar(select(AccessToken).where(AccessToken.token_digest == digest(params.get("token") or "")))
    if found is not None and found.revoked_at is None:
        found.revoked_at = utcnow()
        db.commit()
    return {}


_LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in — Agora</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<main><h1>Sign in to Agora</h1><p>{app} asks for: {scopes}</p>{error}
<form method="post" action="/oauth/authorize">{hidden}
<p><label for="email">Email or username</label><br><input id="email" name="email" autocomplete="username" required></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Authorize</button></p></form></main></body></html>"""

_AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method",
                     "response_type")


def _login_page(app: Application, fields: dict, error: str = "") -> HTMLResponse:
    hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(str(fields.get(k) or ""))}">'
                     for k in _AUTHORIZE_FIELDS)
    body = _LOGIN_PAGE.format(app=html.escape(app.name), scopes=html.escape(fields.get("scope") or app.scopes),
                              hidden=hidden, error=f'<p role="alert">{html.escape(error)}</p>' if error else "")
    return HTMLResponse(body, status_code=401 if error else 200)


@router.get("/oauth/authorize", response_class=HTMLResponse)
async def authorize_page(request: Request, db: DbSession):
    fields = dict(request.query_params)
    app = _client(db, fields.get("client_id"), None, require_secret=False)
    _check_redirect(app, fields.get("redirect_uri"))
    return _login_page(app, fields)


def _check_redirect(app: Application, redirect_uri: str | None) -> None:
    if (redirect_uri or OOB) not in app.redirect_uris.split():
        raise ApiError(400, "The redirect uri included is not valid.")


@router.post("/oauth/authorize")
async def authorize(request: Request, db: DbSession):
    fields = await request_params(request)
    app = _client(db, fields.get("client_id"), None, require_secret=False)
    redirect_uri = fields.get("redirect_uri") or OOB
    _check_redirect(app, redirect_uri)
    login = fields.get("email") or ""
    user = accounts.by_email(db, email=login)
    account = user.account if user else accounts.by_username(db, username=login)
    if account is None or account.user is None or not verify_password(account.user.password_hash,
                                                                      fields.get("password") or ""):
        return _login_page(app, fields, "Invalid email or password.")
    if fields.get("code_challenge") and fields.get("code_challenge_method", "S256") != "S256":
        raise ApiError(400, "Only the S256 code challenge method is supported.")
    code_secret = new_secret()
    db.add(AuthorizationCode(code_digest=digest(code_secret), application_id=app.id, account_id=account.id,
                             redirect_uri=redirect_uri, scopes=_scope_string(fields.get("scope"), app.scopes),
                             code_challenge=fields.get("code_challenge") or None,
                             code_challenge_method=fields.get("code_challenge_method") or None,
                             expires_at=utcnow() + timedelta(minutes=10)))
    db.commit()
    if redirect_uri == OOB:
        return HTMLResponse(f"<!doctype html><title>Authorization code</title><p>Your authorization code: "
                            f"<code id='code'>{code_secret}</code></p>")
    sep = "&" if "?" in redirect_uri else "?"
    query = urlencode({"code": code_secret, **({"state": fields["state"]} if fields.get("state") else {})})
    return RedirectResponse(f"{redirect_uri}{sep}{query}", status_code=303)
