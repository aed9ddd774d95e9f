from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from agora.settings import Settings
from platform_api.errors import unprocessable
from platform_api.home_feed_store import home_feed_store
from platform_api.repositories import account_pairs, outbox, relationships
from platform_api.services.follow_account import UnfollowAccount
from platform_api.tables import Account, Block, FollowRequest


class BlockAccount:
    """Block ``target``: follows and follow requests end both ways, each side's posts leave
    the other's home feed (``home_feed_store``: Redis or the database), and
    ``account.blocked`` records what was severed.

    Reading paths hide blocked accounts through ``VisibleStatuses`` and the notification
    list, so nothing else has to be deleted."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings

    def __call__(self, account: Account, target: Account) -> Block:
        if account.id == target.id:
            raise unprocessable("Validation failed: you cannot block yourself")
        block = account_pairs.find(self.session, Block, account_id=account.id, target_account_id=target.id)
        if block is not None:
            return block
        severed = self._sever(account, target)
        block = Block(account_id=account.id, target_account_id=target.id)
        self.session.add(block)
        feeds = home_feed_store(self.session, self.settings)
        feeds.remove_author_from(account_id=account.id, author_id=target.id)
        feeds.remove_author_from(account_id=target.id, author_id=account.id)
        outbox.record_event(self.session, EventType.BLOCKED, actor_id=account.id, target_account_id=target.id,
                            payload={"severed": severed} if severed else None)
        return block

    def _sever(self, account: Account, target: Account) -> list[str]:
        """End follows (through ``UnfollowAccount``: counters and ``account.unfollowed`` events)
        and pending requests in both directions; name what was ended."""
        severed = []
        unfollow = UnfollowAccount(self.session)
        for follower, followee, name in ((account, target, "following"), (target, account, "followed_by")):
            if relationships.following(self.session, account_id=follower.id, target_account_id=followee.id):
                severed.append(name)
            elif account_pairs.find(self.session, FollowRequest, account_id=follower.id,
                                    target_account_id=followee.id) is not None:
                severed.append(f"{name}_request")
            unfollow(follower, followee)
        return severed


class UnblockAccount:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, target: Account) -> None:
        if account_pairs.remove(self.session, Block, account_id=account.id, target_account_id=target.id):
            outbox.record_event(self.session, EventType.UNBLOCKED, actor_id=account.id,
                                target_account_id=target.id)
