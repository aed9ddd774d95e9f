"""Mastodon Report JSON (for the reporter) and Admin::Report / Admin::Account JSON (for
moderators), with the accounts and statuses of a page loaded in a few queries."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.repositories import accounts, moderation, reports, statuses
from platform_api.serializers.account import iso_datetime, serialize_account
from platform_api.serializers.status import StatusPresenter
from platform_api.tables import Account, Report, User

# Mastodon's UserRole permission bits (app/models/user_role.rb).
_ADMINISTRATOR, _VIEW_AUDIT_LOG, _VIEW_DASHBOARD, _MANAGE_REPORTS = 1 << 0, 1 << 2, 1 << 3, 1 << 4
_MANAGE_USERS, _INVITE_USERS = 1 << 10, 1 << 16
ROLES = {
    "user": {"id": "-99", "name": "", "permissions": _INVITE_USERS, "highlighted": False},
    "moderator": {"id": "1", "name": "Moderator", "highlighted": True,
                  "permissions": _VIEW_AUDIT_LOG | _VIEW_DASHBOARD | _MANAGE_REPORTS | _MANAGE_USERS | _INVITE_USERS},
    "admin": {"id": "2", "name": "Admin", "permissions": _ADMINISTRATOR, "highlighted": True},
}


def serialize_role(role: str) -> dict:
    spec = ROLES.get(role, ROLES["user"])
    return {"id": spec["id"], "name": spec["name"], "color": "", "permissions": str(spec["permissions"]),
            "highlighted": spec["highlighted"]}


def serialize_report(report: Report, target: Account, settings: Settings) -> dict:
    return {
        "id": str(report.id),
        "action_taken": report.action_taken_at is not None,
        "action_taken_at": iso_datetime(report.action_taken_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": iso_datetime(report.created_at),
        "status_ids": [str(i) for i in reports.status_ids_of(report)] or None,
        "rule_ids": None,
        "target_account": serialize_account(target, settings),
    }


class AdminPresenter:
    def __init__(self, session: Session, settings: Settings, viewer: Account):
        self.session = session
        self.settings = settings
        self.viewer = viewer

    def accounts(self, items: list[Account]) -> list[dict]:
        users = moderation.users_of(self.session, account_ids=[a.id for a in items])
        return [self._account(a, users.get(a.id)) for a in items]

    def account(self, item: Account) -> dict:
        return self.accounts([item])[0]

    def _account(self, account: Account, user: User | None) -> dict:
        return {
            "id": str(account.id),
            "username": account.username,
            "domain": None,
            "created_at": iso_datetime(account.created_at),
            "email": user.email if user else "",
            "ip": None,
            "ips": [],
            "locale": user.locale if user else None,
            "invite_request": None,
            "role": serialize_role(account.role),
            "confirmed": True,
            "approved": True,
            "disabled": account.disabled,
            "silenced": account.silenced_at is not None,
            "suspended": account.suspended_at is not None,
            "sensitized": account.sensitized_at is not None,
            "account": serialize_account(account, self.settings),
        }

    def reports(self, items: list[Report]) -> list[dict]:
        people_ids = {i for r in items for i in (r.account_id, r.target_account_id, r.assigned_account_id,
                                                  r.action_taken_by_account_id) if i is not None}
        people = accounts.many(self.session, account_ids=people_ids)
        admin_accounts = {int(body["id"]): body for body in self.accounts(list(people.values()))}
        status_ids = {r.id: reports.status_ids_of(r) for r in items}
        # Moderators see reported posts whatever their visibility, so no VisibleStatuses here.
        found = statuses.many(self.session, status_ids=[i for ids in status_ids.values() for i in ids])
        rendered = {int(b["id"]): b for b in StatusPresenter(self.session, self.settings, self.viewer.id)
                    .render(list(found.values()))}
        return [{
            "id": str(r.id),
            "action_taken": r.action_taken_at is not None,
            "action_taken_at": iso_datetime(r.action_taken_at),
            "category": r.category,
            "comment": r.comment,
            "forwarded": r.forwarded,
            "created_at": iso_datetime(r.created_at),
            "updated_at": iso_datetime(r.updated_at),
            "account": admin_accounts.get(r.account_id),
            "target_account": admin_accounts.get(r.target_account_id),
            "assigned_account": admin_accounts.get(r.assigned_account_id),
            "action_taken_by_account": admin_accounts.get(r.action_taken_by_account_id),
            "statuses": [rendered[i] for i in status_ids[r.id] if i in rendered],
            "rules": [],
            "agora": self._moderation(r, found),
        } for r in items]

    @staticmethod
    def _moderation(report: Report, found: dict) -> dict:
        """What the model said about the reported posts: scores, the rule that fired, the action."""
        first = next((found[i] for i in reports.status_ids_of(report) if i in found), None)
        return {"scores": json.loads(report.model_scores) if report.model_scores else None,
                "rule": report.rule_fired,
                "action": first.moderation_action if first is not None else None,
                "moderation_state": first.moderation_state if first is not None else None}

    def report(self, item: Report) -> dict:
        return self.reports([item])[0]
