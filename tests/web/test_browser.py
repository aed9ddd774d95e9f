"""End to end in Debian's Chromium (Playwright with ``executable_path``) against a live
``agora serve api``: sign in through the OAuth page, post with an image, a follower sees it
arrive in real time and likes it, a report is filed and a moderator resolves it in the console.
Writes the README's screenshots to ``docs/screenshots/``."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from conftest import REPO_ROOT
from web_people import PASSWORD, create_accounts, png_bytes

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium: "
                                                     "`make browser` installs it (apt-get, as root)"),
]


def _token(base: str, app: dict, login: str) -> str:
    response = httpx.post(f"{base}/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "username": f"{login}@example.org", "password": PASSWORD, "scope": "read write follow"})
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.fixture
def world(live_api, settings):
    """alice posts, bob follows her, mallory spams, mod moderates — seeded through the API."""
    create_accounts(settings, ("alice", "user"), ("bob", "user"), ("mallory", "user"), ("mod", "admin"))
    app = httpx.post(f"{live_api}/api/v1/apps", data={"client_name": "seed", "scopes": "read write follow"}).json()
    tokens = {name: {"Authorization": f"Bearer {_token(live_api, app, name)}"} for name in ("alice", "bob", "mallory")}
    alice = httpx.get(f"{live_api}/api/v1/accounts/lookup", params={"acct": "alice"}).json()
    httpx.post(f"{live_api}/api/v1/accounts/{alice['id']}/follow", headers=tokens["bob"]).raise_for_status()
    for text in ("Morning session at the crag #climbing", "Rest day, stretching #climbing"):
        httpx.post(f"{live_api}/api/v1/statuses", headers=tokens["alice"], data={"status": text}).raise_for_status()
    httpx.post(f"{live_api}/api/v1/statuses", headers=tokens["mallory"],
               data={"status": "Buy 10k followers now at cheap-followers.example"}).raise_for_status()
    return live_api


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


def sign_in(browser, base: str, login: str, viewport=(1000, 1000)):
    from playwright.sync_api import expect

    context = browser.new_context(base_url=base, viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in to Agora")).to_be_visible()
    page.get_by_label("Email or username").fill(f"{login}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-stream", "open")  # the streaming connection is up
    return page


def test_post_arrives_live_is_liked_reported_and_moderated_at_any_width(world, chromium, tmp_path):
    from playwright.sync_api import expect

    base = world
    alice, bob = sign_in(chromium, base, "alice"), sign_in(chromium, base, "bob")
    expect(bob.locator("#feed")).to_contain_text("you follow @alice")  # each post says why it is there

    # alice posts a photo with a description; bob's open feed receives it over the streaming API
    image = tmp_path / "chalk.png"
    image.write_bytes(png_bytes())
    alice.get_by_label("What's on your mind?").fill("New project: the orange arete #climbing")
    alice.get_by_text("Image, visibility, content warning").click()
    alice.get_by_label("Image", exact=True).set_input_files(image)
    alice.get_by_label("Image description (alt text)").fill("An orange boulder")
    alice.get_by_role("button", name="Post", exact=True).click()
    expect(alice.get_by_role("heading", name="Post by @alice")).to_be_visible()
    expect(alice.get_by_role("img", name="An orange boulder")).to_be_visible()

    live = bob.locator("#feed > li.live").first
    expect(live).to_contain_text("New project: the orange arete")
    expect(live.get_by_role("img", name="An orange boulder")).to_be_visible()
    live.get_by_role("button", name="Like").click()
    expect(live.get_by_role("button", name=re.compile(r"^Liked 1"))).to_have_attribute("aria-pressed", "true")
    expect(alice.locator("#notification-badge")).to_have_text("1 new")  # alice is told at once

    expect(bob.locator("#feed .why").first).to_be_visible()  # the posts already there keep their reasons
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    bob.screenshot(path=str(SCREENSHOTS / "feed.png"), full_page=True)

    alice.get_by_role("link", name="Notifications").click()
    expect(alice.locator("#notifications")).to_contain_text("liked your post")

    # bob reports mallory's spam; the moderator resolves it from the console
    bob.goto("/web/@mallory")
    bob.locator("article.status", has_text="Buy 10k followers").get_by_role("link", name="Report").click()
    bob.get_by_label("Spam").check()
    bob.get_by_label("Anything the moderators should know?").fill("Selling followers")
    bob.get_by_role("button", name="Send report").click()
    expect(bob.get_by_role("status")).to_contain_text("your report was sent")

    moderator = sign_in(chromium, base, "mod")
    moderator.get_by_role("link", name="Moderation").click()
    report = moderator.locator("li.report", has_text="Selling followers")
    expect(report).to_contain_text("against @mallory")
    expect(report).to_contain_text("Buy 10k followers")
    moderator.screenshot(path=str(SCREENSHOTS / "moderation.png"))
    report.get_by_label("Action").select_option(label="Limit")
    report.get_by_role("button", name=re.compile(r"^Apply to report")).click()
    expect(moderator.get_by_role("status")).to_contain_text("Done: Limit")
    expect(moderator.locator("#report-queue")).to_contain_text("The queue is empty.")
    moderator.get_by_role("link", name="Model status").click()
    expect(moderator.get_by_role("heading", name="Model status")).to_be_visible()
    expect(moderator.locator("main")).to_contain_text("agora_feed_requests_total")

    # the same pages at phone width, and by keyboard
    bob.set_viewport_size({"width": 390, "height": 844})
    bob.goto("/web/home")
    assert bob.evaluate("document.documentElement.scrollWidth") <= 390  # nothing forces sideways scrolling
    bob.keyboard.press("Tab")
    expect(bob.get_by_role("link", name="Skip to content")).to_be_focused()
    bob.keyboard.press("Enter")
    expect(bob.locator("#main")).to_be_focused()

