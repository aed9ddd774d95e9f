"""Analytics job and API: real impressions, likes and clicks through the services → lake →
``pipelines.analytics`` → ``GET /api/v1/agora/analytics/statuses/:id`` (author or admin only),
a re-run that changes nothing, and a late like counted in the hour it happened."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from agora.events import EventType
from pipelines import analytics
from pipelines.export import export_outbox
from platform_api.db import session_scope
from platform_api.ids import utcnow
from platform_api.services.issue_token import IssueToken
from platform_api.services.record_engagements import Engagement, RecordEngagements
from platform_api.tables import Account, CreatorSummary, StatusEngagementHourly
from test_trends_job import like, people, post

MASTER = "local[2]"
pytestmark = pytest.mark.slow


def token(settings, account_id: int, scopes: str = "read") -> dict:
    with session_scope(settings) as session:
        secret, _ = IssueToken(session)(application=None, account=session.get(Account, account_id), scopes=scopes)
    return {"Authorization": f"Bearer {secret}"}


def engage(settings, viewer: int, status: int, author: int, kind: EventType, at) -> None:
    with session_scope(settings) as session:
        RecordEngagements(session)([Engagement(viewer, status, author, at, kind)])


def hour_start(at):
    return at.replace(minute=0, second=0, microsecond=0)


def stored(settings) -> list:
    with session_scope(settings) as session:
        return [tuple((k, v) for k, v in sorted(vars(r).items()) if not k.startswith("_"))
                for model in (StatusEngagementHourly, CreatorSummary) for r in session.scalars(select(model))]


def test_post_analytics_for_its_author_rerun_and_late_like(settings, client):
    p = people(settings, ("author", "v1", "v2", "v3", "stranger", "boss"))
    with session_scope(settings) as session:
        session.get(Account, p["boss"]).role = "admin"
    now = utcnow()
    earlier = now - timedelta(hours=2)
    status = post(settings, p["author"], "look at this", at=earlier - timedelta(minutes=5))
    for viewer in ("v1", "v2", "v3"):
        engage(settings, p[viewer], status, p["author"], EventType.IMPRESSION, earlier)
    engage(settings, p["v1"], status, p["author"], EventType.CLICKED, earlier)
    like(settings, p["v1"], status, at=earlier)
    like(settings, p["v2"], status, at=now)
    export_outbox(settings, progress=False)

    first = analytics.run(settings, master=MASTER)
    assert first.touched_hours

    url = f"/api/v1/agora/analytics/statuses/{status}"
    body = client.get(url, headers=token(settings, p["author"])).json()
    assert body["status_id"] == str(status)
    hours = {h["hour"]: h for h in body["hourly"]}
    early = hours[hour_start(earlier).isoformat().replace("+00:00", "Z")]
    assert (early["impressions"], early["likes"], early["clicks"]) == (3, 1, 1)
    assert body["totals"] == {"impressions": 3, "likes": 2, "replies": 0, "reposts": 0, "clicks": 1}
    assert body["engagement_rate"] == pytest.approx(3 / 3)
    assert body["creator"]["account_id"] == str(p["author"]) and body["creator"]["likes"] == 2
    assert client.get(url, headers=token(settings, p["boss"])).status_code == 200
    forbidden = client.get(url, headers=token(settings, p["stranger"]))
    assert forbidden.status_code == 403 and "author" in forbidden.json()["error"]
    assert client.get(url).status_code == 401
    assert client.get("/api/v1/agora/analytics/statuses/42", headers=token(settings, p["author"])).status_code == 404
    assert client.get("/api/v1/agora/analytics/statuses/nope", headers=token(settings, p["author"])).status_code == 422

    rows = stored(settings)
    again = analytics.run(settings, master=MASTER)
    assert (again.touched_hours, again.hourly_rows, stored(settings)) == ([], 0, rows)

    late_at = earlier - timedelta(days=2)
    like(settings, p["v3"], status, at=late_at)  # a like from two days ago, exported only now
    export_outbox(settings, progress=False)
    late = analytics.run(settings, master=MASTER)

    assert [h.start for h in late.touched_hours] == [hour_start(late_at)]
    body = client.get(url, headers=token(settings, p["author"])).json()
    assert body["hourly"][0]["hour"] == hour_start(late_at).isoformat().replace("+00:00", "Z")
    assert body["hourly"][0]["likes"] == 1 and body["totals"]["likes"] == 3
    assert [r for r in stored(settings) if r not in rows]  # the new hour; the others as they were
