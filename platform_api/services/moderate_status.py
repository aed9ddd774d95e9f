from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import unprocessable
from platform_api.moderation.metrics import MODERATION_DECISIONS
from platform_api.moderation.moderator import Moderator, moderation_text
from platform_api.moderation.policy import Action, Verdict
from platform_api.repositories import outbox, status_moderation
from platform_api.services.apply_verdict import UPHELD_BY_MODERATOR, ApplyVerdict, keep_moderator_decision
from platform_api.tables import Account, Status


class ModerateStatus:
    """The policy on the write path, in two steps around the write itself:

    - ``screen(account, text)`` before anything is written: the verdict within the budget, or
      ``None`` if the service is down or slow. A ``reject`` verdict records the refused attempt
      (``moderation.verdict``, no status), commits it and raises 422 naming the rule — nothing
      else of the request was written yet, so the commit holds only that event.
    - ``apply(status, verdict)`` after the status exists: store the verdict, or, without one,
      mark the post ``pending`` (the policy's ``pending`` action says whether it may reach
      beyond followers meanwhile; ``agora_moderation_fallbacks_total`` counts these); the
      pending worker classifies it later and records its verdict then."""

    def __init__(self, session: Session, moderator: Moderator):
        self.session = session
        self.moderator = moderator

    def screen(self, account: Account, text: str, spoiler_text: str = "") -> Verdict | None:
        verdict = self.moderator.judge_inline(moderation_text(text, spoiler_text))
        if verdict is not None and verdict.action is Action.REJECT:
            outbox.record_event(self.session, EventType.MODERATION_VERDICT, actor_id=account.id, author_id=account.id,
                                payload={"action": str(verdict.action), "rule": verdict.rule,
                                         "scores": verdict.scores, "model": verdict.model, "path": "inline"})
            self.session.commit()
            MODERATION_DECISIONS.labels(str(verdict.action), "inline").inc()
            raise unprocessable(f"Validation failed: {verdict.message} (moderation rule: {verdict.rule})")
        return verdict

    def apply(self, status: Status, verdict: Verdict | None) -> Status:
        if verdict is not None:
            return ApplyVerdict(self.session)(status, verdict, path="inline")
        if status.moderation_state in ("removed", "pending_review"):
            return status  # removed, or held for a moderator who will read the edit: stays hidden
        status.moderation_state = status_moderation.PENDING
        status.moderation_action = None
        status.limited = self.moderator.policy.pending is Action.LIMIT_REACH
        if status.moderation_rule in UPHELD_BY_MODERATOR:
            keep_moderator_decision(status, status.moderation_rule)
        return status  # not a decision yet: the worker's verdict records the event
