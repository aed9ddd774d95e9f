from __future__ import annotations

from sqlalchemy.orm import Session

from platform_api.moderation.moderator import Moderator, moderation_text
from platform_api.repositories import status_moderation
from platform_api.services.apply_verdict import ApplyVerdict

#: The worker is not on a request: it may wait far longer than the inline budget.
ASYNC_TIMEOUT_S = 30.0


class ClassifyPending:
    """Classify up to ``limit`` pending posts (oldest first) in one batched call and apply the
    policy; a rejected one becomes ``rejected`` (hidden from all but its author). Raises
    ``ModerationUnavailable`` if the service cannot answer: the rows stay pending, nothing is
    lost, the next run retries. Returns how many posts were classified."""

    def __init__(self, session: Session, moderator: Moderator):
        self.session = session
        self.moderator = moderator

    def __call__(self, limit: int = 64) -> int:
        rows = status_moderation.pending(self.session, limit=limit, locking=True)
        if not rows:
            return 0
        verdicts = self.moderator.judge([moderation_text(s.text, s.spoiler_text) for s in rows],
                                        timeout_s=ASYNC_TIMEOUT_S)
        apply = ApplyVerdict(self.session)
        for status, verdict in zip(rows, verdicts):
            apply(status, verdict, path="async")
        return len(rows)
