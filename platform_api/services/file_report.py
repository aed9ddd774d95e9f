from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import unprocessable
from platform_api.repositories import outbox, statuses
from platform_api.tables import Account, Report
from platform_api.visibility import VisibleStatuses

CATEGORIES = ("spam", "legal", "violation", "other")
MAX_COMMENT_CHARS = 1000


class FileReport:
    """Report an account (and some of its statuses) to the moderators. One ``report.created``
    event per reported status (a negative label for the ranker), or one for the account."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, reporter: Account, target: Account, *, status_ids: Iterable[int] = (), category: str = "other",
                 comment: str = "", forward: bool = False, rule_ids: Iterable[int] = ()) -> Report:
        status_ids = list(dict.fromkeys(int(i) for i in status_ids))
        self._validate(reporter, target, status_ids, category, comment, list(rule_ids))
        # Every account is local, so there is no remote server to forward to: ``forward`` is accepted and moot.
        report = Report(account_id=reporter.id, target_account_id=target.id, status_ids=json.dumps(status_ids),
                        category=category, comment=comment, forwarded=False)
        self._attach_model_scores(report, status_ids)
        self.session.add(report)
        self.session.flush()
        payload = {"report_id": report.id, "category": category, "forward_requested": bool(forward)}
        for status_id in status_ids or [None]:
            outbox.record_event(self.session, EventType.REPORTED, actor_id=reporter.id, status_id=status_id,
                                author_id=target.id if status_id else None, target_account_id=target.id,
                                occurred_at=report.created_at, payload=payload)
        return report

    def _attach_model_scores(self, report: Report, status_ids: list[int]) -> None:
        """Moderators see what the model thought of the first reported post that it scored."""
        found = statuses.many(self.session, status_ids=status_ids)
        scored = next((found[i] for i in status_ids if i in found and found[i].moderation_scores), None)
        if scored is not None:
            report.model_scores, report.rule_fired = scored.moderation_scores, scored.moderation_rule

    def _validate(self, reporter, target, status_ids, category, comment, rule_ids) -> None:
        if reporter.id == target.id:
            raise unprocessable("Validation failed: you cannot report yourself")
        if category not in CATEGORIES:
            raise unprocessable(f"Validation failed: category must be one of {', '.join(CATEGORIES)}")
        if len(comment) > MAX_COMMENT_CHARS:
            raise unprocessable(f"Validation failed: comment is too long (maximum is {MAX_COMMENT_CHARS} characters)")
        if rule_ids:
            raise unprocessable("Validation failed: rule_ids name rules this server does not have")
        found = statuses.many(self.session, status_ids=status_ids)
        visible = {s.id for s in VisibleStatuses(self.session, reporter)(found.values()) if s.account_id == target.id}
        missing = [i for i in status_ids if i not in visible]
        if missing:
            raise unprocessable(f"Validation failed: status {missing[0]} is not a post of the reported account")
