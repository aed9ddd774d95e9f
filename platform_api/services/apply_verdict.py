from __future__ import annotations

import json

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.ids import utcnow
from platform_api.moderation.metrics import MODERATION_DECISIONS
from platform_api.moderation.policy import REVIEWED_ACTIONS, Action, Verdict
from platform_api.repositories import outbox, status_moderation
from platform_api.tables import Report, Status

#: ``Status.moderation_state`` per action; ``visibility.py`` hides the held and rejected ones
#: from everyone but the author.
STATE_BY_ACTION = {Action.HOLD_FOR_REVIEW: "pending_review", Action.REJECT: "rejected"}
#: ``moderation_rule`` values ``DecideReport`` leaves on a post whose report it upheld.
UPHELD_BY_MODERATOR = ("moderator:delete", "moderator:limit_reach", "moderator:mark_sensitive")


def keep_moderator_decision(status: Status, upheld: str) -> None:
    """A moderator's upheld decision outlives the model's verdict on an edit: an author cannot
    edit a removed, limited or sensitive-marked post back into reach."""
    status.moderation_rule = upheld
    if upheld == "moderator:delete":
        status.moderation_state = "removed"
    elif upheld == "moderator:limit_reach":
        status.limited = True
    elif upheld == "moderator:mark_sensitive":
        status.sensitive = True


class ApplyVerdict:
    """Store a verdict on a post (scores, rule, action, model), set what the action means
    (``sensitive``, ``limited``, ``moderation_state``), record ``moderation.verdict``, and put
    flagged posts (held or limited) in the review queue as a report by the system reporter.

    ``path`` says who decided: ``inline`` (on the request), ``async`` (the pending worker)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, status: Status, verdict: Verdict, *, path: str) -> Status:
        upheld = status.moderation_rule if status.moderation_rule in UPHELD_BY_MODERATOR else None
        status.moderation_scores = json.dumps(verdict.scores, separators=(",", ":"))
        status.moderation_rule = verdict.rule
        status.moderation_action = str(verdict.action)
        status.moderation_model = verdict.model
        status.moderated_at = utcnow()
        status.moderation_state = STATE_BY_ACTION.get(verdict.action, "allowed")
        status.limited = verdict.action is Action.LIMIT_REACH
        if verdict.action is Action.MARK_SENSITIVE:
            status.sensitive = True
        if upheld:
            keep_moderator_decision(status, upheld)
        outbox.record_event(self.session, EventType.MODERATION_VERDICT, actor_id=status.account_id,
                            status_id=status.id, author_id=status.account_id, occurred_at=status.moderated_at,
                            payload={"action": str(verdict.action), "rule": verdict.rule, "scores": verdict.scores,
                                     "model": verdict.model, "path": path})
        if verdict.action in REVIEWED_ACTIONS:
            self._flag(status, verdict)
        MODERATION_DECISIONS.labels(str(verdict.action), path).inc()
        return status

    def _flag(self, status: Status, verdict: Verdict) -> None:
        reporter = status_moderation.system_reporter(self.session)
        report = status_moderation.open_report_on(self.session, reporter_id=reporter.id,
                                                  target_account_id=status.account_id, status_id=status.id)
        if report is None:
            report = Report(account_id=reporter.id, target_account_id=status.account_id,
                            status_ids=json.dumps([status.id]), category="violation")
            self.session.add(report)
        report.comment = f"{verdict.model}: rule {verdict.rule} → {verdict.action}"
        report.model_scores = status.moderation_scores
        report.rule_fired = verdict.rule
        self.session.flush()
        outbox.record_event(self.session, EventType.REPORTED, actor_id=reporter.id, status_id=status.id,
                            author_id=status.account_id, target_account_id=status.account_id,
                            occurred_at=report.created_at,
                            payload={"report_id": report.id, "category": report.category, "by": "model",
                                     "rule": verdict.rule})
