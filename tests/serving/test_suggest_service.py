"""Follow suggestions end to end on a small synthetic world: lake → ``train_suggest`` (MLflow
registry, promotion gate) → the BentoML ``follow-suggest`` service started the way
``agora serve`` starts it → ``/api/v2/suggestions``, and the fallback when the service is gone."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import select

from agora.processes import ServiceGroup, free_port
from agora.settings import Settings

pytestmark = pytest.mark.slow

SOURCES = {"friends_of_friends", "similar_to_recently_followed", "most_followed", "most_interactions"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from models.suggest.train import SuggestTrainConfig, train_suggest
    from pipelines.export import export_outbox
    from platform_api.world.generate import GenerateWorld, WorldConfig

    home = tmp_path_factory.mktemp("suggest") / "agora_home"
    settings = Settings(home=home, database_url=None, redis_url=None, mlflow_tracking_uri=None,
                        suggest_port=free_port(), feed_cache_seconds=0)
    settings.ensure_dirs()
    GenerateWorld(settings, WorldConfig(users=150, days=3))()
    export_outbox(settings, progress=False)
    champion = train_suggest(settings)
    stump = train_suggest(settings, replace(SuggestTrainConfig(), max_iter=1, max_leaf_nodes=2))
    return settings, champion, stump


@pytest.fixture(scope="module")
def service(trained):
    settings = trained[0]
    group = ServiceGroup(settings)
    group.start_suggest()
    try:
        assert group.wait_ready(timeout=240) == {"suggest": True}, (settings.home / "logs" / "suggest.log").read_text()
        yield group
    finally:
        group.stop()


@pytest.fixture(scope="module")
def viewer(trained):
    """An ordinary account that follows a dozen or more, and its bearer token."""
    from platform_api.db import session_scope
    from platform_api.services.issue_token import IssueToken
    from platform_api.tables import Account

    with session_scope(trained[0]) as session:
        account = session.scalars(select(Account).where(Account.following_count.between(12, 40))
                                  .order_by(Account.id)).first()
        secret, _ = IssueToken(session)(application=None, account=account, scopes="read write follow")
        return account.id, {"Authorization": f"Bearer {secret}"}


def _api(settings: Settings) -> TestClient:
    from platform_api.main import create_app

    return TestClient(create_app(settings), base_url="http://127.0.0.1:8000")


def _suggestions(api: TestClient, headers: dict, limit: int = 20) -> list[dict]:
    response = api.get(f"/api/v2/suggestions?limit={limit}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_training_registers_a_champion_and_the_gate_keeps_a_worse_model_out(trained):
    from mlflow import MlflowClient

    settings, champion, stump = trained
    assert champion.alias == "champion" and champion.promoted
    # on the same time split the model suggests more of the follows that really happened
    assert champion.metrics["recall_at_10"] > champion.metrics["baseline_recall_at_10"]
    assert champion.metrics["val_auc"] > champion.metrics["baseline_auc"]
    assert stump.alias == "challenger" and not stump.promoted
    assert stump.champion_value == pytest.approx(champion.metrics["val_auc"])
    assert stump.metrics["val_auc"] < champion.metrics["val_auc"]
    registry = MlflowClient(settings.mlflow_uri)
    assert str(registry.get_model_version_by_alias("follow-suggest", "champion").version) == champion.version
    assert str(registry.get_model_version_by_alias("follow-suggest", "challenger").version) == stump.version


def test_evaluate_suggest_prints_recall_beside_friends_of_friends(trained, monkeypatch, capsys):
    from agora.cli import main
    from agora.settings import reset_settings_cache

    monkeypatch.setenv("AGORA_HOME", str(trained[0].home))
    reset_settings_cache()
    assert main(["evaluate", "suggest", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["recall_at_10"] == pytest.approx(trained[1].metrics["recall_at_10"])
    assert {"recall_at_40", "baseline_recall_at_10", "baseline_recall_at_40"} <= set(result)


def test_the_api_answers_from_the_model_with_sources_and_reasons(trained, service, viewer):
    from agora.commands.serve import reload_service

    settings, champion, _ = trained
    assert reload_service("suggest", settings.suggest_url) == 0   # `agora serve reload` reaches it
    with _api(settings) as api:
        found = _suggestions(api, viewer[1])
    assert len(found) == 20
    assert {s["agora"]["model"] for s in found} == {f"follow-suggest/{champion.version}"}
    scores = [s["agora"]["score"] for s in found]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 for s in scores)
    assert all(s["sources"] and set(s["sources"]) <= SOURCES and s["agora"]["why"] for s in found)
    assert all(s["account"]["id"] != str(viewer[0]) for s in found)
    assert any(s["agora"]["why"][0].startswith("followed by @") for s in found)
    assert len({source for s in found for source in s["sources"]}) >= 2
    similar = [s for s in found if any(why.startswith("similar to @") for why in s["agora"]["why"])]
    assert all("similar_to_recently_followed" in s["sources"] for s in similar)


def test_blocks_mutes_suspensions_and_dismissals_are_never_suggested(trained, service, viewer):
    from platform_api.db import session_scope
    from platform_api.repositories.suggestions import following_ids
    from platform_api.services.block_account import BlockAccount
    from platform_api.services.moderate_account import ModerateAccount
    from platform_api.services.mute_account import MuteAccount
    from platform_api.tables import Account
    from serving.suggest.client import SuggestClient

    settings = trained[0]
    viewer_id, headers = viewer
    with _api(settings) as api:
        before = [int(s["account"]["id"]) for s in _suggestions(api, headers)]
        blocked, blocks_viewer, muted, suspended, dismissed = before[:5]
        with session_scope(settings) as session:
            me = session.get(Account, viewer_id)
            BlockAccount(session, settings)(me, session.get(Account, blocked))
            BlockAccount(session, settings)(session.get(Account, blocks_viewer), me)
            MuteAccount(session)(me, session.get(Account, muted))
            ModerateAccount(session)(session.get(Account, suspended), "suspend")
        assert api.delete(f"/api/v1/suggestions/{dismissed}", headers=headers).status_code == 200
        excluded = {blocked, blocks_viewer, muted, suspended, dismissed}

        # the model (its snapshot predates all this) still proposes them: the API filters them out
        with session_scope(settings) as session:
            following = following_ids(session, viewer_id=viewer_id)
        with SuggestClient(settings.suggest_url, timeout_s=30) as client:
            raw, _ = client.suggest(viewer_id, following, following[-5:], limit=60)
        assert excluded <= {s.account_id for s in raw}
        after = _suggestions(api, headers)
        assert all(s["agora"]["model"] for s in after)
        assert excluded.isdisjoint(int(s["account"]["id"]) for s in after)

    # the fallback path (no service on that port) keeps them out too
    with _api(settings.model_copy(update={"suggest_port": free_port()})) as fallback_api:
        fallback = _suggestions(fallback_api, headers, limit=80)
    assert fallback and all(s["agora"]["model"] is None for s in fallback)
    assert excluded.isdisjoint(int(s["account"]["id"]) for s in fallback)


def test_a_service_slower_than_its_budget_is_the_fallback(trained, service, viewer):
    from conftest import frozen

    settings = trained[0]

    def fallbacks() -> float:
        return REGISTRY.get_sample_value("agora_suggestion_fallbacks_total", {"reason": "unavailable"}) or 0.0

    counted = fallbacks()
    with _api(settings) as api, frozen(service.processes["suggest"].pid):
        started = time.perf_counter()
        found = _suggestions(api, viewer[1])
        waited = time.perf_counter() - started
    assert fallbacks() == counted + 1
    assert found and all(s["agora"]["model"] is None for s in found)
    # the 300 ms budget (+ a loaded box's slack), not a hang on the frozen service
    assert waited < settings.suggest_timeout_ms / 1000 + 10, waited


def test_stopping_the_service_falls_back_to_friends_of_friends(trained, service, viewer):
    def fallbacks() -> float:
        return REGISTRY.get_sample_value("agora_suggestion_fallbacks_total", {"reason": "unavailable"}) or 0.0

    service.stop()
    counted = fallbacks()
    with _api(trained[0]) as api:
        found = _suggestions(api, viewer[1])
    assert fallbacks() == counted + 1
    assert found and all(s["agora"]["model"] is None and s["agora"]["score"] is None for s in found)
    assert found[0]["sources"] == ["friends_of_friends"] and found[0]["source"] == "past_interactions"
    assert all(s["sources"] in (["friends_of_friends"], ["most_followed"]) for s in found)
    assert found[0]["agora"]["why"][0].startswith("followed by @")
