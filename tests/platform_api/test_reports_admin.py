"""Reports, moderation actions and their reversals, public reach of silenced accounts, the
operator CLI, and who may use the admin API."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from agora import cli
from platform_api.db import create_schema, session_scope
from platform_api.errors import ApiError
from platform_api.ids import utcnow
from platform_api.reach import PublicReach, publicly_reachable_account_ids_query
from platform_api.repositories import reports
from platform_api.schemas import StatusCreate
from platform_api.services.file_report import FileReport
from platform_api.services.follow_account import FollowAccount
from platform_api.services.issue_token import IssueToken
from platform_api.services.moderate_account import LiftModeration, ModerateAccount
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, MediaAttachment, OutboxEvent, Report


def make(session, name: str, role: str = "user") -> Account:
    return RegisterAccount(session)(username=name, email=f"{name}@example.org", password="not-checked",
                                    password_hash="unused", role=role)


def events(session, event_type: str) -> list[OutboxEvent]:
    return list(session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == event_type)
                                .order_by(OutboxEvent.id)))


def test_file_report_validates_and_logs_one_event_per_reported_status(settings):
    create_schema(settings)
    with session_scope(settings) as s:
        ann, ben, cat = make(s, "ann"), make(s, "ben"), make(s, "cat")
        post = PostStatus(s, settings)
        spam, more = post(ben, StatusCreate(status="spam")), post(ben, StatusCreate(status="more spam"))
        secret = post(ben, StatusCreate(status="@cat psst", visibility="direct"))
        other = post(cat, StatusCreate(status="innocent"))
        file = FileReport(s)
        for kwargs, message in (({"category": "rude"}, "category"), ({"status_ids": [other.id]}, "not a post"),
                                ({"status_ids": [secret.id]}, "not a post"), ({"rule_ids": [1]}, "rule_ids"),
                                ({"comment": "x" * 1001}, "too long")):
            with pytest.raises(ApiError, match=message):
                file(ann, ben, **kwargs)
        with pytest.raises(ApiError, match="yourself"):
            file(ann, ann)
        report = file(ann, ben, status_ids=[spam.id, more.id, spam.id], category="spam", comment="ads")
        account_only = file(cat, ben)
        assert reports.status_ids_of(report) == [spam.id, more.id] and account_only.category == "other"
        logged = events(s, "report.created")
        assert [(e.actor_id, e.status_id, e.author_id, e.target_account_id) for e in logged] == [
            (ann.id, spam.id, ben.id, ben.id), (ann.id, more.id, ben.id, ben.id), (cat.id, None, None, ben.id)]
        assert json.loads(logged[0].payload)["report_id"] == report.id


def test_account_actions_resolve_reports_and_are_reversible(settings):
    create_schema(settings)
    with session_scope(settings) as s:
        mod, ann, ben, cat = make(s, "mod", "moderator"), make(s, "ann"), make(s, "ben"), make(s, "cat")
        pictured = PostStatus(s, settings)(ben, StatusCreate(status="look"))
        plain = PostStatus(s, settings)(ben, StatusCreate(status="words"))
        s.add(MediaAttachment(account_id=ben.id, status_id=pictured.id, type="image"))
        first, second = FileReport(s)(ann, ben), FileReport(s)(cat, ben)
        s.flush()
        moderate = ModerateAccount(s)
        moderate(ben, "none", moderator=mod, report=first, text="noted")
        assert first.action_taken_at is not None and second.action_taken_at is None
        moderate(ben, "sensitive", moderator=mod)
        assert second.action_taken_by_account_id == mod.id and ben.sensitized_at is not None
        s.flush()
        s.refresh(pictured)
        s.refresh(plain)
        assert pictured.sensitive is True and plain.sensitive is False
        for action, column in (("silence", "silenced_at"), ("suspend", "suspended_at")):
            moderate(ben, action, moderator=mod)
            assert getattr(ben, column) is not None
        moderate(ben, "disable")  # from the operator CLI: no moderator account
        assert ben.disabled is True
        with pytest.raises(ApiError, match="type"):
            moderate(ben, "obliterate", moderator=mod)
        with pytest.raises(ApiError, match="not about this account"):
            moderate(ann, "none", moderator=mod, report=first)
        for reversal in ("unsuspend", "unsilence", "unsensitive", "enable"):
            LiftModeration(s)(ben, reversal, moderator=mod)
        assert (ben.suspended_at, ben.silenced_at, ben.sensitized_at, ben.disabled) == (None, None, None, False)
        actions = [json.loads(e.payload) for e in events(s, "moderation.action")]
        assert [a["type"] for a in actions] == ["none", "sensitive", "silence", "suspend", "disable", "unsuspend",
                                                "unsilence", "unsensitive", "enable"]
        assert actions[0] == {"type": "none", "report_id": first.id, "text": "noted"}
        assert actions[4]["by"] == "operator" and events(s, "moderation.action")[4].actor_id == 0
        assert len(events(s, "report.resolved")) == 2


def test_public_reach_keeps_silenced_accounts_for_their_followers(settings):
    create_schema(settings)
    with session_scope(settings) as s:
        loud, fan, stranger = make(s, "loud"), make(s, "fan"), make(s, "stranger")
        FollowAccount(s)(fan, loud)
        post = PostStatus(s, settings)(loud, StatusCreate(status="hear me"))
        own = PostStatus(s, settings)(stranger, StatusCreate(status="mine"))
        assert PublicReach(s, stranger)([post, own]) == [post, own]
        loud.silenced_at = utcnow()
        s.flush()
        assert PublicReach(s, stranger)([post, own]) == [own]
        assert PublicReach(s, None)([post]) == []
        assert PublicReach(s, fan)([post]) == [post] and PublicReach(s, loud)([post]) == [post]
        reachable = set(s.scalars(publicly_reachable_account_ids_query()))
        assert loud.id not in reachable and {fan.id, stranger.id} <= reachable


def test_operator_cli_creates_modifies_and_lists_accounts(settings, capsys):
    assert cli.main(["accounts", "create", "mod", "--email", "mod@example.org", "--password", "long enough",
                     "--role", "moderator"]) == 0
    assert cli.main(["accounts", "create", "ann", "--email", "ann@example.org"]) == 0
    out = capsys.readouterr().out
    assert "created mod" in out and "role moderator" in out and "password: " in out
    assert cli.main(["accounts", "create", "mod", "--email", "other@example.org", "--password", "long enough"]) == 2
    assert "already taken" in capsys.readouterr().err
    assert cli.main(["accounts", "modify", "ann", "--role", "admin", "--suspend"]) == 0
    assert capsys.readouterr().out.strip() == "ann: role admin, suspended"
    assert cli.main(["accounts", "modify", "nobody", "--role", "admin"]) == 2
    assert cli.main(["accounts", "modify", "ann", "--suspend", "--unsuspend"]) == 2
    capsys.readouterr()
    assert cli.main(["accounts", "list", "--role", "moderator"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split("\t") == ["id", "username", "email", "role", "state"]
    assert [line.split("\t")[1:4] for line in lines[1:]] == [["mod", "mod@example.org", "moderator"]]
    assert cli.main(["accounts", "modify", "ann", "--unsuspend", "--role", "user"]) == 0
    with session_scope(settings) as s:
        ann = s.scalar(select(Account).where(Account.username == "ann"))
        assert ann.suspended_at is None and ann.role == "user"
        assert [json.loads(e.payload)["type"] for e in events(s, "moderation.action")] == [
            "role", "suspend", "role", "unsuspend"]


def test_admin_api_needs_a_staff_role_and_an_admin_scope(client, settings):
    def bearer(account: Account, scopes: str) -> dict:
        secret, _ = IssueToken(s)(application=None, account=account, scopes=scopes)
        return {"Authorization": f"Bearer {secret}"}

    with session_scope(settings) as s:
        admin, mod, ann, ben = make(s, "admin", "admin"), make(s, "mod", "moderator"), make(s, "ann"), make(s, "ben")
        user_admin_scoped = bearer(ann, "read write admin:read admin:write")
        mod_plain, mod_reader = bearer(mod, "read write"), bearer(mod, "read admin:read")
        mod_full, reporter = bearer(mod, "read write admin:read admin:write"), bearer(ann, "read write")
        ids = {a.username: a.id for a in (admin, mod, ann, ben)}

    for headers in (user_admin_scoped, mod_plain):
        response = client.get("/api/v1/admin/reports", headers=headers)
        assert response.status_code == 403 and "error" in response.json()
    assert client.get("/api/v1/admin/reports", headers=mod_reader).json() == []
    assert client.post(f"/api/v1/admin/accounts/{ids['ben']}/action", data={"type": "silence"},
                       headers=mod_reader).status_code == 403
    assert client.post(f"/api/v1/admin/accounts/{ids['admin']}/action", data={"type": "silence"},
                       headers=mod_full).status_code == 403
    response = client.post(f"/api/v1/admin/accounts/{ids['ben']}/action", data={"type": "explode"}, headers=mod_full)
    assert response.status_code == 422 and "type must be one of" in response.json()["error"]
    response = client.post(f"/api/v1/admin/accounts/{ids['ben']}/action", data={"type": "none", "report_id": "9"},
                           headers=mod_full)
    assert response.status_code == 404
    assert client.post(f"/api/v1/admin/accounts/{ids['ben']}/obliterate", headers=mod_full).status_code == 404

    report = client.post("/api/v1/reports/", data={"account_id": ids["ben"], "category": "spam"}, headers=reporter)
    assert report.status_code == 200, report.text
    report = report.json()
    assert report["target_account"]["username"] == "ben" and report["status_ids"] is None
    response = client.put(f"/api/v1/admin/reports/{report['id']}", json={"category": "rude"}, headers=mod_full)
    assert response.status_code == 422
    assert client.post(f"/api/v1/admin/reports/{report['id']}/explode", headers=mod_full).status_code == 404
    assert client.post(f"/api/v1/admin/reports/{report['id']}/resolve", headers=mod_full).json()["action_taken"]
    assert client.get("/api/v1/admin/reports", params={"resolved": "true"}, headers=mod_full).json()[0]["id"] == \
        report["id"]
    admin_view = client.get(f"/api/v1/admin/accounts/{ids['ben']}", headers=mod_full).json()
    assert admin_view["email"] == "ben@example.org" and admin_view["account"]["username"] == "ben"
    with session_scope(settings) as s:
        assert s.scalar(select(Report.action_taken_by_account_id)) == ids["mod"]
