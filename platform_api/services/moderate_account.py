from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import unprocessable
from platform_api.ids import utcnow
from platform_api.repositories import moderation, outbox, reports
from platform_api.services.register_account import ROLES
from platform_api.services.review_report import OPERATOR_ACTOR_ID, ResolveReport
from platform_api.tables import Account, Report

ACTIONS = ("none", "sensitive", "disable", "silence", "suspend")
#: Each reversal and the (column, cleared value) it restores.
REVERSALS = {"unsensitive": ("sensitized_at", None), "enable": ("disabled", False),
             "unsilence": ("silenced_at", None), "unsuspend": ("suspended_at", None)}


def _record(session: Session, target: Account, moderator: Account | None, **payload) -> None:
    outbox.record_event(session, EventType.MODERATION_ACTION,
                        actor_id=moderator.id if moderator else OPERATOR_ACTOR_ID, target_account_id=target.id,
                        payload={**payload, **({} if moderator else {"by": "operator"})})


class ModerateAccount:
    """Mastodon's account actions, each reversible and logged as ``moderation.action``:

    - ``suspend``: the account and its posts leave every read path (``VisibleStatuses``, lists,
      notifications, suggestions) and its tokens stop working (``deps.optional_token``);
    - ``silence``: ``silenced_at``; public surfaces keep it out (``reach.PublicReach``);
    - ``disable``: its login and tokens stop working; its posts stay;
    - ``sensitive``: ``sensitized_at``, and its posts with media are marked sensitive;
    - ``none``: only a note (and resolves the given report).

    Any action but ``none`` resolves every open report against the account; ``none`` resolves
    only ``report``."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, target: Account, action: str, *, moderator: Account | None = None,
                 report: Report | None = None, text: str = "") -> None:
        if action not in ACTIONS:
            raise unprocessable(f"Validation failed: type must be one of {', '.join(ACTIONS)}")
        if report is not None and report.target_account_id != target.id:
            raise unprocessable("Validation failed: the report is not about this account")
        now = utcnow()
        if action == "sensitive":
            target.sensitized_at = target.sensitized_at or now
            moderation.mark_media_sensitive(self.session, account_id=target.id)
        elif action == "disable":
            target.disabled = True
        elif action == "silence":
            target.silenced_at = target.silenced_at or now
        elif action == "suspend":
            target.suspended_at = target.suspended_at or now
        _record(self.session, target, moderator, type=action, report_id=report.id if report else None, text=text)
        pending = [] if action == "none" else reports.unresolved_against(self.session, target_account_id=target.id)
        if report is not None and report not in pending:
            pending.append(report)
        resolve = ResolveReport(self.session)
        for item in pending:
            resolve(item, moderator, action=action)


class LiftModeration:
    """Undo one action: ``unsuspend``, ``unsilence``, ``unsensitive`` or ``enable``."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, target: Account, reversal: str, *, moderator: Account | None = None) -> None:
        if reversal not in REVERSALS:
            raise unprocessable(f"Validation failed: unknown reversal {reversal!r}")
        column, cleared = REVERSALS[reversal]
        setattr(target, column, cleared)
        _record(self.session, target, moderator, type=reversal)


class ChangeRole:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, target: Account, role: str, *, moderator: Account | None = None) -> None:
        if role not in ROLES:
            raise unprocessable(f"Validation failed: role must be one of {', '.join(ROLES)}")
        if target.role != role:
            previous, target.role = target.role, role
            _record(self.session, target, moderator, type="role", role=role, previous=previous)
