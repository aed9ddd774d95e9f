"""A/B experiments: stable assignment, exposures logged by the served feed, and the report
computed from a constructed lake."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from pydantic import ValidationError
from scipy.stats import binomtest
from sqlalchemy import insert, select

from agora.events import EventType
from agora.processes import free_port
from platform_api.db import create_schema, session_scope
from platform_api.feed.experiments import ExperimentSpec, HomeFeedExperiment
from platform_api.ids import utcnow
from platform_api.schemas import StatusCreate
from platform_api.services.fan_out_on_write import FanOutOnWrite
from platform_api.services.follow_account import FollowAccount
from platform_api.services.issue_token import IssueToken
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import OutboxEvent

SPEC = {"name": "ranker-v2", "arms": {"champion": {"weight": 50, "ranking": "champion"},
                                      "challenger": {"weight": 40, "ranking": "challenger"},
                                      "chronological": {"weight": 10, "ranking": "chronological"}}}


def test_assignment_is_stable_and_follows_the_weights():
    experiment = HomeFeedExperiment(ExperimentSpec.model_validate(SPEC))
    again = HomeFeedExperiment(ExperimentSpec.model_validate(SPEC))
    arms = [experiment.assign(account).arm for account in range(1, 40_001)]
    assert arms == [again.assign(account).arm for account in range(1, 40_001)]
    shares = {arm: n / len(arms) for arm, n in Counter(arms).items()}
    assert shares == pytest.approx({"champion": 0.5, "challenger": 0.4, "chronological": 0.1}, abs=0.01)
    renamed = HomeFeedExperiment(ExperimentSpec.model_validate({**SPEC, "name": "other"}))
    moved = sum(a != renamed.assign(account).arm for account, a in enumerate(arms[:5_000], start=1))
    assert moved > 2_000                          # another experiment reshuffles viewers independently
    assert experiment.assign(7).ranking == SPEC["arms"][experiment.assign(7).arm]["ranking"]


def test_experiment_config_is_validated(tmp_path):
    with pytest.raises(ValidationError, match="control arm 'nope'"):
        ExperimentSpec.model_validate({**SPEC, "control": "nope"})
    with pytest.raises(ValidationError):
        ExperimentSpec.model_validate({"name": "x", "arms": {"a": {"weight": 1, "ranking": "bestest"},
                                                             "b": {"weight": 1, "ranking": "champion"}}})
    path = tmp_path / "experiments.yaml"
    path.write_text(json.dumps({"experiments": [{**SPEC, "name": "off", "enabled": False}, SPEC]}))
    assert HomeFeedExperiment.from_file(path).spec.name == "ranker-v2"
    assert HomeFeedExperiment.from_file(None) is None


@pytest.fixture
def experiment_app(agora_home, monkeypatch, tmp_path):
    path = tmp_path / "experiments.yaml"
    path.write_text(json.dumps({"experiments": [{"name": "feed-test", "arms": {
        "model": {"weight": 1, "ranking": "champion"}, "chrono": {"weight": 1, "ranking": "chronological"}}}]}))
    monkeypatch.setenv("AGORA_EXPERIMENTS_FILE", str(path))
    monkeypatch.setenv("AGORA_SERVING_PORT", str(free_port()))      # no ranker: model arms fall back
    monkeypatch.setenv("AGORA_RETRIEVAL_PORT", str(free_port()))
    from agora.settings import get_settings, reset_settings_cache

    reset_settings_cache()
    return get_settings()


def test_each_served_page_logs_one_exposure_with_the_arm(experiment_app, client):
    settings = experiment_app
    create_schema(settings)
    experiment = HomeFeedExperiment.from_file(settings.experiments_file)
    with session_scope(settings) as session:
        register = RegisterAccount(session)
        author = register(username="writer", email="w@x.org", password="long enough pw")
        viewers = [register(username=f"reader{i}", email=f"r{i}@x.org", password="long enough pw") for i in range(16)]
        tokens = {}
        for viewer in viewers:
            FollowAccount(session)(viewer, author)
            tokens[viewer.id] = IssueToken(session)(application=None, account=viewer, scopes="read")[0]
        for i in range(5):
            status = PostStatus(session, settings)(author, StatusCreate(status=f"news {i}"))
            session.flush()
            FanOutOnWrite(session, settings)(status.id)
    rankings = {}
    for viewer in viewers:
        response = client.get("/api/v1/timelines/home", params={"limit": 3},
                              headers={"Authorization": f"Bearer {tokens[viewer.id]}"})
        assert response.status_code == 200
        rankings[viewer.id] = (response.headers["X-Agora-Ranking"], [int(s["id"]) for s in response.json()])
    with session_scope(settings) as session:
        exposures = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == str(EventType.EXPOSURE))).all()
    assert len(exposures) == len(viewers)
    assert {"chronological", "fallback"} == {ranking for ranking, _ in rankings.values()}  # both arms served
    for event in exposures:
        payload = json.loads(event.payload)
        arm = experiment.assign(event.actor_id)
        ranking, page = rankings[event.actor_id]
        assert (payload["experiment"], payload["arm"], payload["status_ids"]) == ("feed-test", arm.arm, page)
        assert ranking == ("chronological" if arm.ranking == "chronological" else "fallback")


def test_report_counts_engagements_per_arm_with_intervals(settings):
    from pipelines.experiment_report import experiment_report
    from pipelines.export import export_outbox

    create_schema(settings)
    start = utcnow() - timedelta(days=2)
    rows = []

    def event(kind, at, actor, status=None, payload=None):
        rows.append({"event_type": str(kind), "occurred_at": at, "actor_id": actor, "status_id": status,
                     "author_id": 1 if status else None, "payload": json.dumps(payload) if payload else None})

    # arm "a" (control): viewers 10, 11; arm "b": viewers 20, 21. 40 statuses per viewer, in 2 pages.
    likes = {10: 2, 11: 3, 20: 8, 21: 6}
    for viewer, n_likes in likes.items():
        arm = "a" if viewer < 20 else "b"
        ids = list(range(viewer * 1000, viewer * 1000 + 40))
        for page in (ids[:20], ids[20:]):
            event(EventType.EXPOSURE, start, viewer, payload={"experiment": "exp", "arm": arm, "status_ids": page})
        for status in ids[:n_likes]:
            event(EventType.FAVOURITED, start + timedelta(minutes=5), viewer, status)
        event(EventType.CLICKED, start + timedelta(minutes=1), viewer, ids[-1])
        event(EventType.REPLIED, start + timedelta(minutes=9), viewer, ids[-2])
        event(EventType.FAVOURITED, start + timedelta(hours=30), viewer, ids[-3])     # too late: not counted
        event(EventType.FAVOURITED, start - timedelta(hours=1), viewer, ids[-4])      # before: not counted
        event(EventType.FAVOURITED, start + timedelta(minutes=5), viewer, 999_999)    # never shown
    with session_scope(settings) as session:
        session.execute(insert(OutboxEvent), rows)
    export_outbox(settings, progress=False)

    report = experiment_report(settings.events_dir)
    assert report["experiment"] == "exp" and report["control"] == "a"
    a, b = report["arms"]["a"], report["arms"]["b"]
    assert (a["viewers"], a["exposures"], a["impressions"]) == (2, 4, 80)
    assert a["like_rate"]["value"] == pytest.approx(5 / 80, abs=1e-5)
    assert b["like_rate"]["value"] == pytest.approx(14 / 80, abs=1e-5)
    assert a["reply_rate"]["value"] == pytest.approx(2 / 80, abs=1e-5) and a["ctr"]["value"] == pytest.approx(2 / 80)
    assert b["engagements_per_exposure"] == pytest.approx((14 + 2) / 4)
    wilson = binomtest(14, 80).proportion_ci(method="wilson")
    assert b["like_rate"]["ci95"] == pytest.approx([wilson.low, wilson.high], abs=1e-5)
    diff = report["vs_control"]["b"]["like_rate"]
    se = ((14 / 80) * (66 / 80) / 80 + (5 / 80) * (75 / 80) / 80) ** 0.5
    assert diff["difference"] == pytest.approx(9 / 80, abs=1e-5)
    assert diff["ci95"] == pytest.approx([9 / 80 - 1.959964 * se, 9 / 80 + 1.959964 * se], abs=1e-5)
    assert diff["significant"] is True
    assert report["vs_control"]["b"]["reply_rate"]["significant"] is False
