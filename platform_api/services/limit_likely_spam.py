from __future__ import annotations

import json

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.repositories import outbox, status_moderation
from platform_api.services.moderate_account import ModerateAccount
from platform_api.tables import Account, Report

RULE = "spam-model"


class LimitLikelySpam:
    """Act on one spam-model verdict: silence the account (its posts leave public timelines,
    trends and search; ``unsilence`` undoes it) and put a ``spam`` report in the admin queue
    with the score, so a moderator confirms or reverses the call. Both are outbox events
    (``moderation.action``, ``report.created``). Accounts already silenced, suspended or staff
    are left alone, so a rescan changes nothing."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, target: Account, *, score: float, threshold: float, model: str) -> Report | None:
        if target.silenced_at or target.suspended_at or target.role in ("moderator", "admin"):
            return None
        note = f"{model}: spam score {score:.3f} >= threshold {threshold:.3f}"
        ModerateAccount(self.session)(target, "silence", text=note)
        reporter = status_moderation.system_reporter(self.session)
        report = Report(account_id=reporter.id, target_account_id=target.id, status_ids="[]", category="spam",
                        comment=note, model_scores=json.dumps({"spam": round(score, 4), "model": model}),
                        rule_fired=RULE)
        self.session.add(report)
        self.session.flush()
        outbox.record_event(self.session, EventType.REPORTED, actor_id=reporter.id, target_account_id=target.id,
                            occurred_at=report.created_at,
                            payload={"report_id": report.id, "category": "spam", "by": "model", "rule": RULE,
                                     "score": round(score, 4)})
        return report
