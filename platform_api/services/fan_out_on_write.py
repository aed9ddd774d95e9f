from __future__ import annotations

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.home_feed_store import home_feed_store
from platform_api.repositories import accounts, audiences
from platform_api.tables import Status


class FanOutOnWrite:
    """Push a new status (or reblog) into its followers' home feeds — unless the author is too big.

    Hybrid fan-out: below ``fanout_threshold`` followers the status is written into each
    follower's feed cache now; above it, nothing is written and followers pull the author's
    recent posts at read time (``HomeTimeline``). The author always gets their own post.
    Reblogs skip followers who turned reblogs off; stories and direct messages never enter
    home feeds. The cache is ``home_feed_store``: Redis when configured, the database otherwise."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings

    def __call__(self, status_id: int) -> int:
        status = self.session.get(Status, status_id)
        if status is None or status.deleted_at is not None:
            return 0  # deleted before the worker ran: nothing to deliver
        if status.visibility == "direct" or status.is_story:
            return 0  # direct messages reach conversations, stories the story tray: not home feeds
        recipients = {status.account_id}
        author = accounts.get(self.session, account_id=status.account_id)
        if author.followers_count < self.settings.fanout_threshold:
            recipients.update(self._followers(status))
        return home_feed_store(self.session, self.settings).push(
            status_id=status.id, author_id=status.account_id, account_ids=recipients)

    def _followers(self, status: Status) -> list[int]:
        return audiences.follower_ids(self.session, account_id=status.account_id,
                                      reblogs_only=status.reblog_of_id is not None)
