from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import not_found
from platform_api.repositories import account_pairs, notifications, outbox
from platform_api.services.follow_account import FollowAccount
from platform_api.tables import Account, Follow, FollowRequest


def _pending(session: Session, account: Account, requester: Account) -> FollowRequest:
    request = account_pairs.find(session, FollowRequest, account_id=requester.id, target_account_id=account.id)
    if request is None:
        raise not_found("Follow request")
    return request


class AuthorizeFollowRequest:
    """Accept ``requester``'s request to follow ``account``: the request becomes a follow
    (``FollowAccount.follow``: counters, ``account.followed``, home-feed backfill)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, requester: Account) -> Follow:
        self.session.delete(_pending(self.session, account, requester))
        follow = FollowAccount(self.session).follow(requester, account, notify_target=False)
        # As in Mastodon, the request's notification goes with the request, and the account that
        # approved the follow gets no separate "follow" notification.
        notifications.remove_from(self.session, recipient_id=account.id, from_account_id=requester.id,
                                  types=("follow_request",))
        outbox.record_event(self.session, EventType.FOLLOW_REQUEST_AUTHORIZED, actor_id=account.id,
                            target_account_id=requester.id)
        return follow


class RejectFollowRequest:
    """Refuse ``requester``'s request to follow ``account``."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, requester: Account) -> None:
        self.session.delete(_pending(self.session, account, requester))
        notifications.remove_from(self.session, recipient_id=account.id, from_account_id=requester.id,
                                  types=("follow_request",))
        outbox.record_event(self.session, EventType.FOLLOW_REQUEST_REJECTED, actor_id=account.id,
                            target_account_id=requester.id)
