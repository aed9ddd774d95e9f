"""A generated world (through the API's services, so posts have text) with its lake, a trained
two-tower model and a built index — built once per test session and shared by
tests/models/test_retrieval.py and tests/serving/test_retrieval_service.py.

300 accounts posting ~6 times each: enough for the demo viewer's feed to reach 1,000
candidates (in-network capped at 500, out-of-network neighbours at 500)."""

from __future__ import annotations

from dataclasses import dataclass

from agora.settings import Settings

USERS = 300
POSTS_PER_USER = 6.0
EPOCHS = 4


@dataclass
class RetrievalChain:
    settings: Settings
    train_result: object
    index: object


_CHAIN: RetrievalChain | None = None


def retrieval_chain(tmp_path_factory) -> RetrievalChain:
    global _CHAIN
    if _CHAIN is None:
        import torch

        from models.retrieval.build_index import build_index
        from models.retrieval.train import train_retrieval
        from pipelines.export import export_outbox
        from platform_api.world.generate import GenerateWorld, WorldConfig

        torch.set_num_threads(1)  # tiny models: more threads only spin against each other on a shared box
        settings = Settings(home=tmp_path_factory.mktemp("retrieval") / "agora_home", database_url=None,
                            mlflow_tracking_uri=None)
        settings.ensure_dirs()
        GenerateWorld(settings, WorldConfig(users=USERS, seed=5, posts_per_user=POSTS_PER_USER))()
        export_outbox(settings, progress=False)
        result = train_retrieval(settings, epochs=EPOCHS)
        _CHAIN = RetrievalChain(settings, result, build_index(settings))
    return _CHAIN
