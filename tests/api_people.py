"""People who sign up through the API itself, for tests that drive it over HTTP (a TestClient or
an ``httpx.Client`` on a live server: the same calls). Imported as ``api_people``: ``tests/`` is
on ``sys.path`` because ``tests/conftest.py`` is."""

from __future__ import annotations

import httpx

PASSWORD = "correct horse battery"


def app_token(http: httpx.Client, scopes: str = "read write follow") -> str:
    """A ``client_credentials`` token of a freshly registered app (what sign-up needs)."""
    app = http.post("/api/v1/apps", data={"client_name": "tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                                          "scopes": scopes}).json()
    return http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": app["client_id"],
                                           "client_secret": app["client_secret"], "scope": scopes}
                     ).json()["access_token"]


def sign_up(http: httpx.Client, username: str) -> tuple[str, dict]:
    """Register ``username``; returns its account id and the headers carrying its user token."""
    created = http.post("/api/v1/accounts", headers={"Authorization": f"Bearer {app_token(http)}"},
                        data={"username": username, "email": f"{username}@example.org", "password": PASSWORD,
                              "agreement": "true"})
    assert created.status_code == 200, created.text
    headers = {"Authorization": f"Bearer {created.json()['access_token']}"}
    return http.get("/api/v1/accounts/verify_credentials", headers=headers).json()["id"], headers
