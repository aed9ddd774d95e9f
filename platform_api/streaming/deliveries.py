"""Who hears what, after commit. Each class renders once and publishes to channels:

- ``DeliverStatus``: ``update`` (or ``status.update`` after an edit) to the author's and
  followers' user streams (minus those who hide the author), to the public and hashtag
  streams for public posts that may reach out of network, and ``conversation`` to the
  participants' direct streams for direct messages.
- ``DeliverDelete``: ``delete`` wherever the status could have been seen.

User streams are published to only for accounts with a stream open (``hub.presence``), as
Mastodon checks ``subscribed:timeline:<id>`` before it publishes: a message on a channel no
one listens to is dropped anyway, and a 100k-follower author would otherwise publish 100k
messages that every API worker's listener must read.
- ``DeliverNotification``: ``notification`` to the recipient's user streams.

Every message carries ``account_ids`` (author, mentioned, replied-to and reblogged accounts)
so each connection can drop what its viewer blocks or mutes."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.repositories import accounts, audiences, statuses
from platform_api.serializers.status import StatusPresenter
from platform_api.streaming import channels
from platform_api.streaming.hub import LocalHub, active_hub
from platform_api.streaming.payloads import conversation_payload, notification_payload
from platform_api.tables import Notification, Status


def _related_accounts(session: Session, status: Status) -> list[int]:
    ids = {status.account_id}
    if status.in_reply_to_account_id:
        ids.add(status.in_reply_to_account_id)
    ids.update(statuses.mentions_for(session, status_ids=[status.id]).get(status.id, []))
    if status.reblog_of_id:
        original = session.get(Status, status.reblog_of_id)
        if original is not None:
            ids.add(original.account_id)
            ids.update(statuses.mentions_for(session, status_ids=[original.id]).get(original.id, []))
    return sorted(ids)


def _online_followers(session: Session, account_id: int, presence, *, reblogs_only: bool = False) -> set[int]:
    """Followers with a stream open, asked from the smaller side: a 100k-follower author's
    audience is looked for among the accounts online, not the other way round."""
    author = accounts.get(session, account_id=account_id)
    among = presence.everyone() if author is not None and presence.count() < author.followers_count else None
    return presence.online(audiences.follower_ids(session, account_id=account_id, reblogs_only=reblogs_only,
                                                  among=among))


def _online_user_recipients(session: Session, status: Status, presence) -> set[int]:
    """The author and the followers whose home this status would reach (private included),
    among those with a stream open."""
    online = presence.online([status.account_id]) | _online_followers(
        session, status.account_id, presence, reblogs_only=status.reblog_of_id is not None)
    hiding = audiences.hiding_account_ids(session, account_id=status.account_id, among=online)
    if status.reblog_of_id:
        original = session.get(Status, status.reblog_of_id)
        if original is not None:
            hiding |= audiences.hiding_account_ids(session, account_id=original.account_id, among=online)
    return online - hiding


def _public_channels(session: Session, status: Status) -> list[str]:
    """Public and hashtag channels, for public original posts that reach out of network."""
    if status.visibility != "public" or status.reblog_of_id or status.limited or status.is_story:
        return []
    author = accounts.get(session, account_id=status.account_id)
    if author is None or author.silenced_at is not None or author.suspended_at is not None:
        return []
    if status.moderation_state in ("pending_review", "rejected", "removed"):
        return []
    if status.in_reply_to_id:
        parent = statuses.get(session, status_id=status.in_reply_to_id)
        if parent is None or parent.visibility not in ("public", "unlisted"):
            return []
    media = bool(statuses.media_for(session, status_ids=[status.id]))
    names = [channels.public(), channels.public(local=True)]
    if media:
        names += [channels.public(media=True), channels.public(local=True, media=True)]
    for tag in statuses.tags_for(session, status_ids=[status.id]).get(status.id, []):
        names += [channels.hashtag(tag), channels.hashtag(tag, local=True)]
    return names


class DeliverStatus:
    def __init__(self, session: Session, settings: Settings, hub: LocalHub):
        self.session = session
        self.settings = settings
        self.hub = hub

    def __call__(self, status_id: int, *, event: str = "update") -> int:
        status = statuses.get(self.session, status_id=status_id)
        if status is None or status.is_story:
            return 0
        if status.visibility == "direct":
            return self._direct(status)
        message = {"event": event,
                   "payload": json.dumps(StatusPresenter(self.session, self.settings, None).render_one(status)),
                   "account_ids": _related_accounts(self.session, status)}
        targets = [channels.user(a) for a in sorted(_online_user_recipients(self.session, status, self.hub.presence))]
        targets += _public_channels(self.session, status)
        self.hub.publish_many(targets, message)
        return len(targets)

    def _direct(self, status: Status) -> int:
        participants = [status.account_id, *statuses.mentions_for(self.session, status_ids=[status.id])
                        .get(status.id, [])]
        related = _related_accounts(self.session, status)
        sent = 0
        for recipient in dict.fromkeys(participants):
            payload = conversation_payload(self.session, self.settings, status, recipient)
            if payload is not None:
                self.hub.publish(channels.direct(recipient), {"event": "conversation", "payload": json.dumps(payload),
                                                              "account_ids": related})
                sent += 1
        return sent


class DeliverDelete:
    def __init__(self, session: Session, settings: Settings, hub: LocalHub):
        self.session = session
        self.settings = settings
        self.hub = hub

    def __call__(self, status_id: int) -> int:
        status = self.session.get(Status, status_id)
        if status is None:
            return 0
        mentioned = statuses.mentions_for(self.session, status_ids=[status.id]).get(status.id, [])
        recipients = self.hub.presence.online([status.account_id, *mentioned])
        recipients |= _online_followers(self.session, status.account_id, self.hub.presence)
        targets = [channels.user(a) for a in sorted(recipients)]
        if status.visibility in ("public", "unlisted") and not status.reblog_of_id:
            targets += [channels.public(local=local, media=media) for local in (False, True) for media in (False, True)]
            for tag in statuses.tags_for(self.session, status_ids=[status.id]).get(status.id, []):
                targets += [channels.hashtag(tag), channels.hashtag(tag, local=True)]
        self.hub.publish_many(targets, {"event": "delete", "payload": str(status.id), "account_ids": []})
        return len(targets)


class DeliverNotification:
    def __init__(self, session: Session, settings: Settings, hub: LocalHub):
        self.session = session
        self.settings = settings
        self.hub = hub

    def __call__(self, notification_id: int) -> int:
        notification = self.session.get(Notification, notification_id)
        if notification is None:
            return 0
        payload = notification_payload(self.session, self.settings, notification)
        if payload is None:
            return 0
        message = {"event": "notification", "payload": json.dumps(payload),
                   "account_ids": [notification.from_account_id]}
        self.hub.publish(channels.user(notification.account_id), message)
        self.hub.publish(channels.notifications(notification.account_id), message)
        return 2


def publish_after_commit(delivery: type, *args, **kwargs) -> None:
    """After-commit callback: run a delivery in a fresh session through the running API's hub
    (a CLI process has none and streams nothing)."""
    hub = active_hub()
    if hub is None:
        return
    with session_scope(hub.settings) as session:
        delivery(session, hub.settings, hub)(*args, **kwargs)
