"""The two-tower retrieval model and its FAISS index, on a generated world: training logs
held-out recall against popularity and registers a champion; the index holds every recent
post, matches exact search, and grows with ``agora index update``."""

from __future__ import annotations

import numpy as np
import pytest

import retrieval_chain
from agora.cli import main
from ml_chain import home_env
from models.retrieval.index import PostIndex

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return retrieval_chain.retrieval_chain(tmp_path_factory)


def test_training_registers_a_champion_that_beats_chance(chain):
    from mlflow import MlflowClient

    from models.retrieval.predictor import load_registered

    result, metrics = chain.train_result, chain.train_result.metrics
    assert result.alias == "champion" and result.champion_version is None
    assert metrics["eval_viewers"] > 50 and metrics["eval_pool"] > 300
    chance = 100 / metrics["eval_pool"]
    assert metrics["model_recall_at_100"] > 1.5 * chance
    assert metrics["model_recall_at_10"] <= metrics["model_recall_at_50"] <= metrics["model_recall_at_100"]
    assert 0 < metrics["popularity_recall_at_100"] <= 1
    predictor, version = load_registered(chain.settings)
    assert version == result.version
    run = MlflowClient().get_run(MlflowClient().get_model_version("retrieval", version).run_id)
    assert run.data.metrics["model_recall_at_100"] == pytest.approx(metrics["model_recall_at_100"])
    vectors = predictor.post_vectors(np.zeros((2, 384), dtype=np.float32), [1, 2], [["climbing"], []])
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)


def test_the_index_holds_recent_posts_and_matches_exact_search(chain):
    """Built from the lake, it holds exactly the posts the database calls indexable."""
    from datetime import timedelta

    import faiss
    from sqlalchemy import select

    from platform_api.db import session_scope
    from platform_api.ids import utcnow
    from platform_api.repositories.post_catalog import indexable_conditions
    from platform_api.tables import Status

    index = PostIndex.load(chain.settings.index_dir)
    since = utcnow() - timedelta(days=chain.settings.index_days)
    with session_scope(chain.settings) as session:
        posts = set(session.scalars(select(Status.id).where(Status.created_at >= since, *indexable_conditions())))
    assert set(faiss.vector_to_array(index.index.id_map).tolist()) == posts and len(posts) > 1000
    assert index.meta.watermark == max(posts)
    assert index.meta.model == f"retrieval/{chain.train_result.version}"
    assert index.meta.quality["recall@100"] >= 0.95
    assert len(index.history.viewer_ids) > 100


def test_index_update_adds_the_new_posts_the_lake_has(chain):
    from platform_api.db import session_scope
    from platform_api.schemas import StatusCreate
    from platform_api.services.post_status import PostStatus
    from platform_api.tables import Account

    from models.retrieval.build_index import _post_vectors
    from models.retrieval.predictor import load_registered

    before = PostIndex.load(chain.settings.index_dir)
    with session_scope(chain.settings) as session:
        author = session.get(Account, int(before.history.viewer_ids[0]))
        status = PostStatus(session, chain.settings)(author, StatusCreate(
            status="Sent my granite project at the crag today #climbing #bouldering"))
        session.flush()
        new_id = status.id
    with home_env(chain.settings):
        assert main(["index", "update"]) == 0          # not exported yet: not in the lake
        assert PostIndex.load(chain.settings.index_dir).meta.count == before.meta.count
        assert main(["pipeline", "export"]) == 0
        assert main(["index", "update"]) == 0
        assert main(["index", "update"]) == 0          # nothing new the second time
    after = PostIndex.load(chain.settings.index_dir)
    assert after.meta.count == before.meta.count + 1 and after.meta.watermark == new_id
    predictor, _ = load_registered(chain.settings)
    import pandas as pd

    vector = _post_vectors(chain.settings, predictor, pd.DataFrame({
        "status_id": [new_id], "author_id": [author.id], "text": ["unused: cached"],
        "tags": [["climbing", "bouldering"]]}))
    _, ids = after.search(vector, 5)
    assert ids[0][0] == new_id


def test_posts_arriving_out_of_id_order_all_go_in_once():
    """The service is sent posts as they are created; two API workers may deliver them out of
    id order, so the index takes any id it lacks, not only ids above its watermark."""
    from models.retrieval.dataset import ViewerHistory

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3, 8)).astype(np.float32)
    history = ViewerHistory(np.array([1]), np.zeros((1, 8), np.float32), np.array([0]), np.zeros((1, 1), np.int64))
    index = PostIndex.build("retrieval/1", np.array([10]), vectors[:1], history)
    assert index.add(np.array([12, 11, 12]), vectors).tolist() == [True, True, False]
    assert index.add(np.array([11]), vectors[:1]).tolist() == [False]
    assert (index.meta.count, index.meta.watermark) == (3, 12)
    assert index.search(vectors[2:3], 3)[1][0].tolist().count(11) == 1


def test_the_lake_catalog_follows_edits_deletions_and_moderation():
    """What the index build reads: the latest edit's text, no deleted, private, limited or
    removed posts, and a moderator's decision over the model's verdict."""
    import json

    import pandas as pd

    from agora.events import EventType
    from models.retrieval.dataset import post_catalog

    def event(i, kind, status, **payload):
        return {"event_id": i, "event_type": str(kind), "occurred_at": pd.Timestamp("2026-01-01", tz="UTC")
                + pd.Timedelta(minutes=i), "actor_id": 7, "status_id": status, "author_id": 7,
                "target_account_id": None, "payload": json.dumps(payload)}

    created = [event(s, EventType.STATUS_CREATED, s, text=f"post {s}", tags=["a"], visibility="public")
               for s in range(1, 7)]
    created[1] = event(2, EventType.STATUS_CREATED, 2, text="post 2", tags=[], visibility="private")
    events = pd.DataFrame(created + [
        event(10, EventType.STATUS_UPDATED, 1, text="post 1, edited", tags=["b"]),
        event(11, EventType.STATUS_DELETED, 3),
        event(12, EventType.MODERATION_VERDICT, 4, action="limit_reach"),
        event(13, EventType.MODERATION_VERDICT, 5, action="limit_reach"),
        event(14, EventType.MODERATION_DECISION, 5, action="dismiss"),
        event(15, EventType.MODERATION_VERDICT, 5, action="limit_reach"),   # an edit re-judged: moderator wins
        event(16, EventType.MODERATION_DECISION, 6, action="delete"),
    ])
    posts = post_catalog(events).set_index("status_id")
    assert posts.loc[1, "text"] == "post 1, edited" and posts.loc[1, "tags"] == ["b"]
    assert posts["indexable"].to_dict() == {1: True, 2: False, 3: False, 4: False, 5: True, 6: False}


def test_index_update_without_an_index_says_so_and_succeeds(tmp_path, capsys):
    """The hourly DAG runs it before the daily one has built any index: nothing to extend."""
    import json

    from agora.settings import Settings

    settings = Settings(home=tmp_path / "agora_home", database_url=None, mlflow_tracking_uri=None)
    settings.ensure_dirs()
    with home_env(settings):
        assert main(["index", "update"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["added"] == 0 and "agora index build" in out["skipped"]
