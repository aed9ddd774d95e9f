"""The web client server-side, through TestClient: the OAuth sign-in, every page rendering
what the API returns, the verbs, and the staff-only console."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from web_people import PASSWORD, create_accounts, png_bytes

BASE = "http://127.0.0.1:8000"


def sign_in(app, login: str) -> TestClient:
    """A browser-like client that went through /web/login → /oauth/authorize → the callback."""
    browser = TestClient(app, base_url=BASE)
    start = browser.get("/web/login", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"].startswith("/oauth/authorize?")
    page = browser.get(start.headers["location"])
    assert page.status_code == 200 and "Sign in to Agora" in page.text
    fields = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
    granted = browser.post("/oauth/authorize", data={**fields, "email": login, "password": PASSWORD},
                           follow_redirects=False)
    assert granted.status_code == 303
    callback = browser.get(granted.headers["location"], follow_redirects=False)
    assert callback.status_code == 303 and callback.headers["location"] == "/web/home", callback.text
    return browser


@pytest.fixture
def people(settings):
    create_accounts(settings, ("alice", "user"), ("bob", "user"), ("mallory", "user"), ("mod", "admin"))


def _post(browser, text: str, **extra) -> str:
    response = browser.post("/web/statuses", data={"status": text, "visibility": "public", **extra},
                            follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def test_pages_need_a_signed_in_user(client):
    assert client.get("/", follow_redirects=False).headers["location"] == "/web/"
    landing = client.get("/web/")
    assert client.get("/web/static/vendor/htmx.min.js").status_code == 200  # vendored by `make install`
    assert landing.status_code == 200 and 'href="/web/login"' in landing.text
    for path in ("/web/home", "/web/notifications", "/web/admin/reports", "/web/admin/models"):
        response = client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/web/"), path
    htmx = client.post("/web/statuses/1/favourite", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"] == "/web/"


def test_sign_in_uses_authorization_code_with_pkce_and_an_http_only_cookie(app, client, people):
    start = client.get("/web/login", follow_redirects=False)
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["redirect_uri"] == [f"{BASE}/web/oauth/callback"]
    stale = client.get("/web/oauth/callback", params={"code": "x", "state": "not-ours"})
    assert stale.status_code == 400 and "sign in again" in stale.text
    browser = sign_in(app, "alice@example.org")
    cookie = next(c for c in browser.cookies.jar if c.name == "agora_token")
    assert cookie.path == "/web" and cookie.has_nonstandard_attr("HttpOnly")
    home = browser.get("/web/home")
    assert home.status_code == 200 and "<h1>Home</h1>" in home.text and 'name="agora-stream-token"' in home.text
    assert '<label for="composer-file">Image</label>' in home.text and 'id="main"' in home.text
    sign_in(app, "alice")  # by username too; the web app is registered once and reused
    assert browser.post("/web/logout", follow_redirects=False).headers["location"] == "/web/"
    assert browser.get("/web/home", follow_redirects=False).status_code == 303  # the token was revoked


def test_compose_with_image_content_warning_and_visibility(app, people):
    alice = sign_in(app, "alice")
    response = alice.post("/web/statuses", data={"status": "Sunset at the crag #climbing", "visibility": "unlisted",
                                                 "spoiler_text": "bright colours", "description": "an orange square"},
                          files={"file": ("sunset.png", png_bytes(), "image/png")})
    assert response.status_code == 200
    page = response.text
    assert "Sunset at the crag" in page and "Content warning: bright colours" in page
    assert 'alt="an orange square"' in page and "/media/" in page and ">unlisted<" in page
    too_long = alice.post("/web/statuses", data={"status": "x" * 600})
    assert too_long.status_code == 422 and "role=\"alert\"" in too_long.text


def test_feed_shows_reasons_toggles_to_chronological_and_verbs_swap_in_place(app, people):
    alice, bob = sign_in(app, "alice"), sign_in(app, "bob")
    status_id = _post(alice, "Bouldering tonight #climbing")
    alice_id = alice.get("/api/v1/accounts/lookup", params={"acct": "alice"}).json()["id"]
    assert bob.post(f"/web/accounts/{alice_id}/follow", follow_redirects=False).headers["location"] == "/web/@alice"
    ranked = bob.get("/web/home")
    assert "Bouldering tonight" in ranked.text and "Why you see this:" in ranked.text
    assert "you follow @alice" in ranked.text
    assert 'href="/web/home?order=ranked" aria-current="page"' in ranked.text
    latest = bob.get("/web/home", params={"order": "chronological"})
    assert 'href="/web/home?order=chronological" aria-current="page"' in latest.text
    assert "Bouldering tonight" in latest.text and "Why you see this:" not in latest.text
    assert bob.get("/web/home", params={"order": "sideways"}).status_code == 422

    liked = bob.post(f"/web/statuses/{status_id}/favourite", headers={"HX-Request": "true"})
    assert liked.text.lstrip().startswith('<div class="actions"') and "<html" not in liked.text
    assert 'aria-pressed="true">Liked <span class="count">1</span>' in liked.text
    bookmarked = bob.post(f"/web/statuses/{status_id}/bookmark", headers={"HX-Request": "true"})
    assert 'aria-pressed="true">Bookmarked' in bookmarked.text
    reposted = bob.post(f"/web/statuses/{status_id}/reblog", follow_redirects=False)
    assert reposted.status_code == 303
    assert bob.post(f"/web/statuses/{status_id}/explode").status_code == 404

    notifications = alice.get("/web/notifications").text
    assert "liked your post" in notifications and "reposted your post" in notifications
    assert "followed you" in notifications
    card = alice.get(f"/web/statuses/{status_id}/card").text
    assert card.startswith('<li class="live">') and "Bouldering tonight" in card


def test_post_detail_replies_profile_relationships_search_trends_suggestions_and_messages(app, people):
    alice, bob = sign_in(app, "alice"), sign_in(app, "bob")
    status_id = _post(alice, "Which shoes for slab? #climbing")
    reply = bob.post("/web/statuses", data={"status": "@alice soft ones", "in_reply_to_id": status_id,
                                            "visibility": "public"})
    detail = alice.get(f"/web/statuses/{status_id}").text
    assert "soft ones" in detail.split("<h2>Replies</h2>")[1] and reply.status_code == 200
    assert 'name="in_reply_to_id" value="' + status_id in detail

    profile = bob.get("/web/@alice").text
    assert "Which shoes for slab?" in profile and ">Follow</button>" in profile
    alice_id = re.search(r'/web/accounts/(\d+)/follow', profile).group(1)
    for verb, pressed in (("follow", "Unfollow"), ("mute", "Unmute"), ("block", "Unblock")):
        bob.post(f"/web/accounts/{alice_id}/{verb}")
        assert f'aria-pressed="true">{pressed}</button>' in bob.get("/web/@alice").text
    bob.post(f"/web/accounts/{alice_id}/unblock")
    bob.post(f"/web/accounts/{alice_id}/unmute")
    bob.post(f"/web/accounts/{alice_id}/follow")
    assert bob.get("/web/@nobody-here").status_code == 404

    assert "@alice" in bob.get("/web/search", params={"q": "alice"}).text
    assert "#climbing" in bob.get("/web/search", params={"q": "climbing"}).text
    assert bob.get("/web/trends").status_code == 200
    assert bob.get("/web/tags/climbing").status_code == 200
    mallory = sign_in(app, "mallory")
    bob_id = alice.get("/api/v1/accounts/lookup", params={"acct": "bob"}).json()["id"]
    mallory.post(f"/web/accounts/{bob_id}/follow")  # bob follows alice: she is a friend of a friend
    suggestions = mallory.get("/web/suggestions").text
    suggested = suggestions.split('<ul class="plain suggestions">')[1]
    assert "@alice" in suggested and '<span class="why-label">Why:</span>' in suggested

    sent = alice.post("/web/conversations", data={"to": "@bob", "status": "see you at the wall"})
    assert sent.status_code == 200 and "see you at the wall" in sent.text
    assert "see you at the wall" in bob.get("/web/conversations").text


def test_console_is_for_staff_and_resolves_reports(app, people):
    bob, mallory, moderator = sign_in(app, "bob"), sign_in(app, "mallory"), sign_in(app, "mod")
    spam = mallory.post("/web/statuses", data={"status": "Buy followers now!!!", "visibility": "public"},
                        files={"file": ("ad.png", png_bytes((10, 200, 10)), "image/png")}, follow_redirects=False)
    spam_id = spam.headers["location"].rsplit("/", 1)[1]
    for path in ("/web/admin/reports", "/web/admin/models", "/web/admin/media_blocks"):
        refused = bob.get(path)
        assert refused.status_code == 403 and "moderators and admins only" in refused.text, path
    assert "/web/admin/reports" not in bob.get("/web/home").text
    assert 'href="/web/admin/reports"' in moderator.get("/web/home").text

    form = bob.get(f"/web/statuses/{spam_id}/report").text
    assert '<label for="report-comment">' in form
    sent = bob.post(f"/web/statuses/{spam_id}/report", data={"category": "spam", "comment": "follower spam"})
    assert "your report was sent" in sent.text

    queue = moderator.get("/web/admin/reports").text
    report_id = re.search(r"Report #(\d+) against @mallory", queue).group(1)
    assert "follower spam" in queue and "Buy followers now" in queue
    media_id = re.search(r'name="media_id" value="(\d+)"', queue).group(1)
    blocked = moderator.post("/web/admin/media_blocks", data={"media_id": media_id, "note": "ad spam"})
    phash = re.search(r"Blocked ([0-9a-f]{16})", blocked.text).group(1)
    assert f"<code>{phash}</code>" in blocked.text and "ad spam" in blocked.text
    refused = mallory.post("/web/statuses", data={"status": "again"},
                           files={"file": ("ad.png", png_bytes((10, 200, 10)), "image/png")})
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    block_id = re.search(r"/web/admin/media_blocks/(\d+)/delete", blocked.text).group(1)
    assert "No media hashes are blocked" in moderator.post(f"/web/admin/media_blocks/{block_id}/delete").text
    assert moderator.post(f"/web/admin/reports/{report_id}/action", data={"action": "ban"}).status_code == 422
    done = moderator.post(f"/web/admin/reports/{report_id}/action", data={"action": "sensitive"})
    assert "Done: Mark sensitive #" + report_id in done.text and f"Report #{report_id}" not in done.text

    models = moderator.get("/web/admin/models").text
    assert "No model registry yet" in models and "agora_feed_requests_total" in models and "never" in models


def test_report_model_scores_and_rule_render_when_the_report_carries_them():
    from platform_api.web.pages import templates

    html = templates.env.get_template("admin/_details.html").render(
        details={"scores": {"spam": 0.934, "toxic": 0.02}, "rule": "spam >= 0.9: limit", "action": None})
    assert "<dt>scores</dt>" in html and "spam: 0.934" in html and "spam &gt;= 0.9: limit" in html
    assert "<dt>action</dt>" not in html  # absent facts are left out, not shown as "None"
