"""The public and hashtag timelines on real rows: only public original posts; silenced
authors and ``limited`` posts reach only their followers; replies only when the viewer may
see what they answer; pages stay full when many rows are filtered out; ``min_id`` /
``since_id`` / ``max_id`` as Mastodon defines them."""

from __future__ import annotations

from datetime import UTC, datetime

from platform_api.db import create_schema, session_scope
from platform_api.schemas import StatusCreate
from platform_api.services.follow_account import FollowAccount
from platform_api.services.post_status import PostStatus
from platform_api.services.reblog_status import ReblogStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, Block, Status
from platform_api.timelines import PublicTimeline, TagTimeline


def people(settings, names):
    create_schema(settings)
    with session_scope(settings) as session:
        return {n: RegisterAccount(session)(username=n, email=f"{n}@example.org", password="correct horse",
                                            password_hash="-").id for n in names}


def post(settings, author: int, text: str, **kw) -> int:
    with session_scope(settings) as session:
        return PostStatus(session, settings)(session.get(Account, author), StatusCreate(status=text, **kw)).id


def public(settings, viewer: int | None, **kw) -> list[int]:
    with session_scope(settings) as session:
        return [s.id for s in PublicTimeline(session)(session.get(Account, viewer) if viewer else None, **kw)]


def tagged(settings, viewer: int | None, tag: str, **kw) -> list[int]:
    with session_scope(settings) as session:
        return [s.id for s in TagTimeline(session)(session.get(Account, viewer) if viewer else None, tag, **kw)]


def test_who_reaches_the_public_timeline(settings):
    p = people(settings, ("ana", "bo", "cy", "fan"))
    with session_scope(settings) as session:
        FollowAccount(session)(session.get(Account, p["fan"]), session.get(Account, p["cy"]))
    open_post = post(settings, p["ana"], "open")
    post(settings, p["ana"], "unlisted", visibility="unlisted")
    hidden_parent = post(settings, p["ana"], "for followers", visibility="private")
    reply_to_hidden = post(settings, p["bo"], "answering something private", in_reply_to_id=hidden_parent)
    reply_to_open = post(settings, p["bo"], "answering", in_reply_to_id=open_post)
    silenced = post(settings, p["cy"], "from a silenced account")
    limited = post(settings, p["bo"], "limited by moderation")
    with session_scope(settings) as session:
        session.get(Account, p["cy"]).silenced_at = datetime.now(UTC)
        session.get(Status, limited).limited = True
        reblog = ReblogStatus(session, settings)(session.get(Account, p["bo"]), session.get(Status, open_post)).id

    everyone = [reply_to_open, open_post]
    assert public(settings, None) == everyone
    assert public(settings, p["fan"]) == [silenced, reply_to_open, open_post]  # followers still see cy
    assert public(settings, p["bo"]) == [limited, reply_to_open, open_post]  # own limited post; not the reply
    assert reply_to_hidden in public(settings, p["ana"])  # only ana may see the private post it answers
    assert reblog not in public(settings, p["bo"])
    assert public(settings, None, remote=True) == [] and public(settings, None, local=True) == everyone

    with session_scope(settings) as session:
        session.add(Block(account_id=p["fan"], target_account_id=p["ana"]))
    assert public(settings, p["fan"]) == [silenced]  # ana's post, and the reply to it, are gone


def test_pages_stay_full_and_follow_mastodon_cursors(settings):
    p = people(settings, ("ana", "noisy", "viewer"))
    keep = [post(settings, p["ana"], f"keep {i} #topic") for i in range(5)]
    for i in range(60):
        post(settings, p["noisy"], f"noise {i} #topic")
    with session_scope(settings) as session:
        session.add(Block(account_id=p["viewer"], target_account_id=p["noisy"]))
    newest = keep[::-1]
    assert public(settings, p["viewer"], limit=2) == newest[:2]  # 60 blocked rows in between are skipped
    assert public(settings, p["viewer"], max_id=newest[1], limit=2) == newest[2:4]
    assert public(settings, p["viewer"], min_id=keep[0], limit=2) == [keep[2], keep[1]]  # just after min_id
    assert public(settings, p["viewer"], since_id=keep[2], limit=2) == [keep[4], keep[3]]  # newest after it
    assert tagged(settings, p["viewer"], "#TOPIC", limit=3) == newest[:3]
    assert tagged(settings, p["viewer"], "topic", none_tags=["topic"]) == []
    assert tagged(settings, p["viewer"], "nosuchtag") == []
    assert tagged(settings, p["viewer"], "nosuchtag", any_tags=["topic"], limit=1) == newest[:1]
    assert tagged(settings, p["viewer"], "topic", all_tags=["nosuchtag"]) == []
