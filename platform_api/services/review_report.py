"""What a moderator does with a report: claim it, hand it back, recategorise, resolve, reopen.
Each records ``report.updated`` (``report.resolved`` for resolving)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import unprocessable
from platform_api.ids import utcnow
from platform_api.repositories import outbox
from platform_api.services.file_report import CATEGORIES
from platform_api.tables import Account, Report


#: ``actor_id`` of moderation events that no account performed (the operator's ``agora accounts``).
OPERATOR_ACTOR_ID = 0


def _record(session: Session, event: EventType, report: Report, moderator: Account | None, **payload) -> None:
    report.updated_at = utcnow()
    outbox.record_event(session, event, actor_id=moderator.id if moderator else OPERATOR_ACTOR_ID,
                        target_account_id=report.target_account_id, payload={"report_id": report.id, **payload})


class AssignReport:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, report: Report, moderator: Account) -> Report:
        if report.assigned_account_id != moderator.id:
            report.assigned_account_id = moderator.id
            _record(self.session, EventType.REPORT_UPDATED, report, moderator, change="assigned")
        return report


class UnassignReport:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, report: Report, moderator: Account) -> Report:
        if report.assigned_account_id is not None:
            report.assigned_account_id = None
            _record(self.session, EventType.REPORT_UPDATED, report, moderator, change="unassigned")
        return report


class RecategorizeReport:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, report: Report, moderator: Account, category: str) -> Report:
        if category not in CATEGORIES:
            raise unprocessable(f"Validation failed: category must be one of {', '.join(CATEGORIES)}")
        if report.category != category:
            previous, report.category = report.category, category
            _record(self.session, EventType.REPORT_UPDATED, report, moderator, change="category",
                    category=category, previous=previous)
        return report


class ResolveReport:
    """Mark the report handled (by ``moderator``; ``None`` from the operator CLI)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, report: Report, moderator: Account | None, *, action: str = "none") -> Report:
        if report.action_taken_at is None:
            report.action_taken_at = utcnow()
            report.action_taken_by_account_id = moderator.id if moderator else None
            _record(self.session, EventType.REPORT_RESOLVED, report, moderator, action=action)
        return report


class ReopenReport:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, report: Report, moderator: Account) -> Report:
        if report.action_taken_at is not None:
            report.action_taken_at = report.action_taken_by_account_id = None
            _record(self.session, EventType.REPORT_UPDATED, report, moderator, change="reopened")
        return report
