"""OAuth 2 as Mastodon clients use it: authorization code with PKCE (the login page),
password and client-credentials grants, revocation and scope enforcement."""

from __future__ import annotations

import re
import secrets

from mastodon import Mastodon

from platform_api.security import pkce_s256

REDIRECT = "http://127.0.0.1:9/callback"


def _app(client, scopes="read write follow"):
    return client.post("/api/v1/apps", data={"client_name": "oauth-tests", "redirect_uris": REDIRECT,
                                             "scopes": scopes}).json()


def _register(client, app, username):
    token = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": app["client_id"],
                                              "client_secret": app["client_secret"], "scope": "read write follow"})
    client.post("/api/v1/accounts", headers={"Authorization": f"Bearer {token.json()['access_token']}"},
                data={"username": username, "email": f"{username}@example.org", "password": "long password",
                      "agreement": "true"}).raise_for_status()


def test_authorization_code_with_pkce(client):
    app = _app(client)
    _register(client, app, "ana")
    verifier = secrets.token_urlsafe(48)
    query = {"client_id": app["client_id"], "redirect_uri": REDIRECT, "response_type": "code",
             "scope": "read write", "state": "xyz", "code_challenge": pkce_s256(verifier),
             "code_challenge_method": "S256"}
    page = client.get("/oauth/authorize", params=query)
    assert page.status_code == 200 and '<label for="password">' in page.text
    wrong = client.post("/oauth/authorize", data={**query, "email": "ana@example.org", "password": "nope"},
                        follow_redirects=False)
    assert wrong.status_code == 401 and "Invalid email or password" in wrong.text
    granted = client.post("/oauth/authorize", data={**query, "email": "ana@example.org", "password": "long password"},
                          follow_redirects=False)
    assert granted.status_code == 303
    location = granted.headers["location"]
    assert location.startswith(REDIRECT) and "state=xyz" in location
    code = re.search(r"code=([^&]+)", location).group(1)
    bad = client.post("/oauth/token", data={"grant_type": "authorization_code", "client_id": app["client_id"],
                                            "code": code, "redirect_uri": REDIRECT, "code_verifier": "wrong"})
    assert bad.status_code == 400
    token = client.post("/oauth/token", data={"grant_type": "authorization_code", "client_id": app["client_id"],
                                              "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "read write"
    me = client.get("/api/v1/accounts/verify_credentials",
                    headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.json()["username"] == "ana"
    reused = client.post("/oauth/token", data={"grant_type": "authorization_code", "client_id": app["client_id"],
                                               "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert reused.status_code == 400  # a code works once


def test_scopes_are_enforced_and_tokens_revocable(client):
    app = _app(client)
    _register(client, app, "bo")
    read_only = client.post("/oauth/token", data={"grant_type": "password", "client_id": app["client_id"],
                                                  "client_secret": app["client_secret"], "username": "bo@example.org",
                                                  "password": "long password", "scope": "read"}).json()
    headers = {"Authorization": f"Bearer {read_only['access_token']}"}
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 200
    denied = client.post("/api/v1/statuses", headers=headers, data={"status": "hi"})
    assert denied.status_code == 403 and "scope" in denied.json()["error"]
    assert client.post("/oauth/token", data={"grant_type": "password", "client_id": app["client_id"],
                                             "client_secret": app["client_secret"], "username": "bo@example.org",
                                             "password": "long password", "scope": "admin:write"}).status_code == 400
    client.post("/oauth/revoke", data={"client_id": app["client_id"], "client_secret": app["client_secret"],
                                       "token": read_only["access_token"]}).raise_for_status()
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 401


def test_mastodon_py_password_login_and_version(live_api):
    client_id, client_secret = Mastodon.create_app("mastodon-py", api_base_url=live_api,
                                                   scopes=["read", "write", "follow"])
    anonymous = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=live_api)
    anonymous.create_account("cy", "long password", "cy@example.org", agreement=True,
                             scopes=["read", "write", "follow"])
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=live_api,
                   version_check_mode="created")
    api.log_in("cy@example.org", "long password", scopes=["read", "write", "follow"], allow_http=True)
    assert api.account_verify_credentials()["username"] == "cy"
    assert api.verify_minimum_version("4.0.0", cached=False)
    assert api.instance()["version"].startswith("4.3.0")
