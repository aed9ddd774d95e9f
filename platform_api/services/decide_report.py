from __future__ import annotations

import json

from sqlalchemy.orm import Session

from agora.events import MODERATION_LABELS, EventType
from platform_api.errors import unprocessable
from platform_api.ids import utcnow
from platform_api.moderation.metrics import MODERATION_DECISIONS
from platform_api.repositories import outbox, reports, statuses
from platform_api.services.block_media import BlockStatusMedia
from platform_api.services.moderate_account import ModerateAccount
from platform_api.services.review_report import ResolveReport
from platform_api.tables import Account, Report, Status

#: Upholding actions (the post was bad) and what each does to a reported post.
UPHOLD = ("delete", "mark_sensitive", "limit_reach", "suspend")
#: Dismissing actions (the post was fine): held or limited posts are released.
DISMISS = ("approve", "dismiss")


class DecideReport:
    """A moderator's decision on a report, applied to its posts and recorded as training data.

    Upholding (``delete``, ``mark_sensitive``, ``limit_reach``, ``suspend`` the author) labels
    each reported post ``hate`` or ``offensive`` (the moderator's ``label``, else the model's
    likelier harmful class); dismissing (``approve``, ``dismiss``) releases held or limited
    posts and labels them ``neither``. Each post yields one ``moderation.decision`` event with
    its text and label — what ``agora pipeline moderation-decisions`` turns into a training
    set — and the report is resolved."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, report: Report, moderator: Account, *, action: str, label: str | None = None,
                 text: str = "") -> Report:
        if action not in UPHOLD + DISMISS:
            raise unprocessable(f"Validation failed: action must be one of {', '.join(UPHOLD + DISMISS)}")
        if label is not None and (label not in MODERATION_LABELS or (action in DISMISS) != (label == "neither")):
            raise unprocessable("Validation failed: label must be hate or offensive when upholding, "
                                "neither when dismissing")
        found = statuses.many(self.session, status_ids=reports.status_ids_of(report))
        for status in found.values():
            decided = label or self._label(status, action)
            outbox.record_event(
                self.session, EventType.MODERATION_DECISION, actor_id=moderator.id, status_id=status.id,
                author_id=status.account_id, target_account_id=report.target_account_id,
                payload={"report_id": report.id, "decision": "uphold" if action in UPHOLD else "dismiss",
                         "action": action, "label": decided, "class": MODERATION_LABELS.index(decided),
                         "text": status.text,
                         "scores": json.loads(status.moderation_scores or "{}"), "rule": status.moderation_rule,
                         "note": text})
            self._apply(status, action)
            if action == "delete":  # its images join the media blocklist (near-duplicates are refused too)
                BlockStatusMedia(self.session)(status, moderator=moderator, note=text)
            MODERATION_DECISIONS.labels(action, "moderator").inc()
        if action == "suspend":
            target = self.session.get(Account, report.target_account_id)
            ModerateAccount(self.session)(target, "suspend", moderator=moderator, report=report, text=text)
        ResolveReport(self.session)(report, moderator, action=action)
        return report

    def _apply(self, status: Status, action: str) -> None:
        status.moderation_action = action
        status.moderation_rule = f"moderator:{action}"
        status.moderated_at = utcnow()
        if action == "delete":
            status.moderation_state = "removed"
        elif action == "mark_sensitive":
            status.sensitive = True
        elif action == "limit_reach":
            status.limited = True
        elif action in DISMISS:
            status.moderation_state, status.limited = "allowed", False

    @staticmethod
    def _label(status: Status, action: str) -> str:
        if action in DISMISS:
            return "neither"
        scores = json.loads(status.moderation_scores or "{}")
        return "hate" if scores.get("hate", 0.0) > scores.get("offensive", 0.0) else "offensive"
