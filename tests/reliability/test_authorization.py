"""Authorisation of every route, enumerated from the app itself (so a new endpoint is covered the
day it lands): every admin endpoint refuses visitors (401), ordinary users even with admin scopes
(403) and staff without an admin scope (403); every write endpoint refuses a read-only token."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from platform_api.db import create_schema, session_scope
from platform_api.services.issue_token import IssueToken
from platform_api.services.register_account import RegisterAccount

ADMIN_PREFIXES = ("/api/v1/admin/", "/api/v2/admin/")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
#: Write endpoints a client calls before it has a user token, or to give one up.
OPEN_WRITES = {"/api/v1/apps", "/oauth/token", "/oauth/revoke", "/oauth/authorize", "/api/v1/accounts"}
#: Writes Mastodon's API documents under the ``read`` scope.
READ_SCOPED_WRITES = {("DELETE", "/api/v1/suggestions/1")}


def routes(app, predicate) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute) and predicate(route.path):
            found.extend((method, re.sub(r"\{[^}]+\}", "1", route.path)) for method in sorted(route.methods)
                         if method != "HEAD")
    return found


@pytest.fixture
def tokens(settings):
    create_schema(settings)

    def bearer(session, username: str, role: str, scopes: str) -> dict:
        account = RegisterAccount(session)(username=username, email=f"{username}@example.org",
                                           password="not-checked", password_hash="unused", role=role)
        secret, _ = IssueToken(session)(application=None, account=account, scopes=scopes)
        return {"Authorization": f"Bearer {secret}"}

    with session_scope(settings) as session:
        return {
            "user_with_admin_scopes": bearer(session, "ann", "user", "read write follow admin:read admin:write"),
            "moderator_without_admin_scope": bearer(session, "mod", "moderator", "read write follow"),
            "read_only": bearer(session, "reader", "user", "read"),
        }


def test_every_admin_endpoint_needs_a_staff_role_and_an_admin_scope(app, client, tokens):
    admin_routes = routes(app, lambda path: path.startswith(ADMIN_PREFIXES))
    assert len(admin_routes) >= 8
    for method, path in admin_routes:
        assert client.request(method, path).status_code == 401, (method, path)
        for who in ("user_with_admin_scopes", "moderator_without_admin_scope"):
            response = client.request(method, path, headers=tokens[who])
            assert response.status_code == 403 and "error" in response.json(), (who, method, path, response.text)


def test_every_write_endpoint_refuses_a_read_only_token(app, client, tokens):
    writes = [(m, p) for m, p in routes(app, lambda path: path.startswith("/api/"))
              if m in WRITES and p not in OPEN_WRITES and (m, p) not in READ_SCOPED_WRITES]
    assert len(writes) >= 35
    allowed = [(m, p, r.status_code) for m, p in writes
               if (r := client.request(m, p, headers=tokens["read_only"])).status_code != 403]
    assert allowed == []
