from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora.events import EventType
from agora.settings import Settings, get_settings
from platform_api.errors import forbidden, unprocessable
from platform_api.home_feed_store import home_feed_store
from platform_api.repositories import accounts, home_feed, outbox, relationships
from platform_api.services.notify import Notify
from platform_api.tables import Account, Block, Follow, FollowRequest

BACKFILL_STATUSES = 20


class FollowAccount:
    """Follow ``target`` (or request to, if it is locked); backfill its recent posts into the
    home feed cache (the database's or Redis's, whichever ``home_feed_store`` picks)."""

    def __init__(self, session: Session, settings: Settings | None = None):
        self.session = session
        self.settings = settings or get_settings()

    def __call__(self, account: Account, target: Account, *, reblogs: bool = True, notify: bool = False,
                 created_at: datetime | None = None, backfill: bool = True) -> Follow | FollowRequest:
        if account.id == target.id:
            raise unprocessable("Validation failed: you cannot follow yourself")
        self._check_not_blocked(account, target)
        existing = relationships.following(self.session, account_id=account.id, target_account_id=target.id)
        if existing is not None:
            existing.show_reblogs, existing.notify = reblogs, notify
            return existing
        if target.locked:
            return self._request(account, target)
        return self.follow(account, target, reblogs=reblogs, notify=notify, created_at=created_at,
                           backfill=backfill)

    def follow(self, account: Account, target: Account, *, reblogs: bool = True, notify: bool = False,
               created_at: datetime | None = None, backfill: bool = True, notify_target: bool = True) -> Follow:
        """Create the follow. ``notify_target=False`` when the target itself authorised a request."""
        follow = Follow(account_id=account.id, target_account_id=target.id, show_reblogs=reblogs, notify=notify)
        if created_at is not None:
            follow.created_at = created_at
        self.session.add(follow)
        accounts.add_to_counter(self.session, account_id=account.id, column="following_count", delta=1)
        accounts.add_to_counter(self.session, account_id=target.id, column="followers_count", delta=1)
        outbox.record_event(self.session, EventType.FOLLOWED, actor_id=account.id, target_account_id=target.id,
                            occurred_at=follow.created_at)
        if notify_target:
            Notify(self.session)(recipient_id=target.id, from_account_id=account.id, type="follow")
        if backfill:
            store = home_feed_store(self.session, self.settings)
            for status_id, author_id in home_feed.latest_status_ids_of(self.session, author_id=target.id,
                                                                       limit=BACKFILL_STATUSES):
                store.push(status_id=status_id, author_id=author_id, account_ids=[account.id])
        return follow

    def _request(self, account: Account, target: Account) -> FollowRequest:
        request = self.session.scalar(select(FollowRequest).where(
            FollowRequest.account_id == account.id, FollowRequest.target_account_id == target.id))
        if request is None:
            request = FollowRequest(account_id=account.id, target_account_id=target.id)
            self.session.add(request)
            outbox.record_event(self.session, EventType.FOLLOW_REQUESTED, actor_id=account.id,
                                target_account_id=target.id)
            Notify(self.session)(recipient_id=target.id, from_account_id=account.id, type="follow_request")
        return request

    def _check_not_blocked(self, account: Account, target: Account) -> None:
        blocked = self.session.scalar(select(Block.id).where(
            ((Block.account_id == target.id) & (Block.target_account_id == account.id))
            | ((Block.account_id == account.id) & (Block.target_account_id == target.id))))
        if blocked is not None:
            raise forbidden("This action is not allowed")


class UnfollowAccount:
    """Stop following ``target``: its posts leave the home feed cache."""

    def __init__(self, session: Session, settings: Settings | None = None):
        self.session = session
        self.settings = settings or get_settings()

    def __call__(self, account: Account, target: Account) -> None:
        if relationships.remove_follow(self.session, account_id=account.id, target_account_id=target.id):
            accounts.add_to_counter(self.session, account_id=account.id, column="following_count", delta=-1)
            accounts.add_to_counter(self.session, account_id=target.id, column="followers_count", delta=-1)
            home_feed_store(self.session, self.settings).remove_author_from(account_id=account.id,
                                                                            author_id=target.id)
            outbox.record_event(self.session, EventType.UNFOLLOWED, actor_id=account.id,
                                target_account_id=target.id)
        self.session.execute(FollowRequest.__table__.delete().where(
            FollowRequest.account_id == account.id, FollowRequest.target_account_id == target.id))
