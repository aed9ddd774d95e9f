"""Hostile input through the real API: markup in posts and profiles comes back inert, Unicode
edge cases round-trip or get a clear 422, never a 500. (Lying, corrupt and bomb images:
``tests/platform_api/test_media.py``; oversized bodies: ``tests/platform_api/test_rate_limit.py``.)"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from api_people import PASSWORD, app_token, sign_up


def register(client, username: str) -> dict:
    return sign_up(client, username)[1]


ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<svg><script>alert(1)</script></svg>',
    '"><style>body{display:none}</style>',
]
SAFE_TAGS = {"p", "br", "a", "span"}


class Markup(HTMLParser):
    """The elements and attributes a browser would build from an HTML fragment."""

    def __init__(self, fragment: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(fragment: str) -> None:
    for tag, attrs in Markup(fragment).tags:
        assert tag in SAFE_TAGS, f"<{tag}> in {fragment}"
        assert not any(name.startswith("on") or name == "style" for name in attrs), f"{attrs} in {fragment}"
        assert not (attrs.get("href") or "").strip().lower().startswith(("javascript:", "data:")), fragment


@pytest.mark.parametrize("attack", ATTACKS)
def test_markup_in_statuses_is_inert(client, attack):
    ana = register(client, "ana")
    posted = client.post("/api/v1/statuses", headers=ana, data={"status": f"look {attack}", "spoiler_text": attack})
    assert posted.status_code == 200, posted.text
    status = client.get(f"/api/v1/statuses/{posted.json()['id']}", headers=ana).json()
    assert_inert(status["content"])
    assert "look" in status["content"]
    assert status["spoiler_text"] == attack   # plain text, like display names: clients escape it


def test_markup_in_profiles_is_inert(client):
    ana = register(client, "ana")
    attack = ATTACKS[0] + ATTACKS[1]
    updated = client.patch("/api/v1/accounts/update_credentials", headers=ana,
                           data={"display_name": attack[:30], "note": attack})
    assert updated.status_code == 200, updated.text
    account = updated.json()
    assert_inert(account["note"])
    # Mastodon's display_name is plain text: clients escape it. Ours must not turn it into markup.
    assert account["display_name"] == attack[:30]


@pytest.mark.parametrize("text", [
    "emoji 👩🏽‍🚀 and flags 🇫🇷",
    "combining: e\u0301 a\u0308 and zero\u200bwidth",
    "right-to-left \u202eoverride\u202c and عربى",
    "\U0001F600" * 500,                       # 500 code points is the limit, whatever their UTF-8 size
])
def test_unicode_round_trips(client, text):
    ana = register(client, "ana")
    posted = client.post("/api/v1/statuses", headers=ana, data={"status": text})
    assert posted.status_code == 200, posted.text
    source = client.get(f"/api/v1/statuses/{posted.json()['id']}/source", headers=ana).json()
    assert source["text"] == text


def test_too_long_and_nul_bytes_are_clear_422s(database_url, client):
    ana = register(client, "ana")
    response = client.post("/api/v1/statuses", headers=ana, data={"status": "\U0001F600" * 501})
    assert response.status_code == 422 and "character limit" in response.json()["error"], response.text
    for path, data in [("/api/v1/statuses", {"status": "nul \x00 byte"}),
                       ("/api/v1/accounts/update_credentials", {"display_name": "a\x00b"})]:
        response = client.request("PATCH" if "credentials" in path else "POST", path, headers=ana, data=data)
        assert response.status_code == 422 and "NUL" in response.json()["error"], response.text


@pytest.mark.parametrize("username", ["ａｄｍｉｎ", "admin\u200b", "bad name", "x" * 31, "../etc"])
def test_usernames_are_plain_ascii(client, username):
    token = app_token(client)
    response = client.post("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"},
                           data={"username": username, "email": "u@example.org", "password": PASSWORD,
                                 "agreement": "true"})
    assert response.status_code == 422 and "error" in response.json(), response.text
