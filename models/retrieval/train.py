"""Train the two-tower retrieval model on the lake's engagements, log it to MLflow
(experiment ``retrieval``), register it as ``retrieval`` and promote it to ``@champion``
unless the current champion has a higher held-out recall@100 on the *same* split.

Reads top to bottom: data (lake + cached MiniLM vectors), vocabularies and histories from
the training slice, the in-batch-softmax loop, evaluation against popularity, log + gate.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from agora.settings import Settings
from models.retrieval.dataset import (RetrievalData, Vocabulary, build_data, post_texts,
                                      read_posts_and_engagements, viewer_history)
from models.retrieval.evaluate import evaluate_retrieval
from models.retrieval.model import TwoTower, TwoTowerConfig
from models.retrieval.predictor import ARTIFACT_KEY, MODEL_NAME, RetrievalPredictor, RetrievalPyfunc
from models.retrieval.text_embeddings import PostTextEmbeddings

EXPERIMENT = "retrieval"
GATE_METRIC = "model_recall_at_100"


@dataclass
class RetrievalTrainResult:
    version: str
    alias: str
    metrics: dict[str, float]
    champion_version: str | None
    champion_value: float | None
    n_train: int
    n_val: int


def load_data(settings: Settings) -> RetrievalData:
    """The lake's posts and engagements, with each post's MiniLM vector (of its text in the lake)."""
    posts, engagements = read_posts_and_engagements(settings.events_dir)
    text = PostTextEmbeddings(settings.home / "embeddings").get(posts["status_id"].tolist(), post_texts(posts))
    return build_data(posts, engagements, text)


def fit(predictor: RetrievalPredictor, data: RetrievalData, config: TwoTowerConfig) -> list[float]:
    """Adam on the in-batch softmax; the viewer's history leaves the positive itself out."""
    model, vocab = predictor.model, predictor.vocabulary
    train = data.train()
    text = data.post_text(train["status_id"])
    history = viewer_history(train, text)
    rows = history.rows(train["viewer_id"])
    tensors = [torch.from_numpy(a) for a in (
        vocab.viewer_index(train["viewer_id"]), history.text_mean(rows, minus=text),
        vocab.author_index(history.author_ids(rows).ravel()).reshape(len(rows), -1),
        text, vocab.author_index(train["author_id"]),
        vocab.tag_matrix(train["status_id"].map(data.posts.set_index("status_id")["tags"]).tolist()))]
    generator = torch.Generator().manual_seed(config.seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    losses = []
    for _ in range(config.epochs):
        model.train()
        order = torch.randperm(len(train), generator=generator)
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            batch = order[start:start + config.batch_size]
            if len(batch) < 2:
                continue
            viewer, hist_text, hist_authors, post_text, author, tags = (t[batch] for t in tensors)
            loss = model.in_batch_loss(model.viewer_vectors(viewer, hist_text, hist_authors),
                                       model.post_vectors(post_text, author, tags))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        losses.append(total / len(train))
    model.eval()
    return losses


def evaluate(predictor: RetrievalPredictor, data: RetrievalData) -> dict[str, float]:
    train = data.train()
    history = viewer_history(train, data.post_text(train["status_id"]))
    pool = data.candidate_pool()
    post_vectors = predictor.post_vectors(data.post_text(pool["status_id"]), pool["author_id"], list(pool["tags"]))
    return evaluate_retrieval(data, lambda ids: predictor.viewer_vectors(ids, history), post_vectors, pool)


def train_retrieval(settings: Settings, epochs: int | None = None,
                    config: TwoTowerConfig | None = None) -> RetrievalTrainResult:
    import mlflow

    from models.registry import configure_mlflow, promote_if_not_worse

    config = config or TwoTowerConfig()
    if epochs is not None:
        config = replace(config, epochs=epochs)
    torch.manual_seed(config.seed)
    configure_mlflow(EXPERIMENT, settings)

    # ------------------------------------------------------------------ data
    started = time.perf_counter()
    data = load_data(settings)
    train = data.train()
    vocab = Vocabulary.fit(train, data.posts[data.posts["created_at"] < data.split_time])
    config = replace(config, n_viewers=len(vocab.viewers) + 1, n_authors=len(vocab.authors) + 1,
                     n_tags=len(vocab.tags) + 1)
    data_seconds = time.perf_counter() - started

    with mlflow.start_run() as run:
        mlflow.log_params({**{k: str(v) for k, v in config.to_dict().items()},
                           "split_time": data.split_time.isoformat(), "n_train": len(train),
                           "n_val": len(data.validation()), "text_model": "all-MiniLM-L6-v2"})
        # -------------------------------------------------------------- loop
        predictor = RetrievalPredictor(TwoTower(config), vocab)
        started = time.perf_counter()
        for epoch, loss in enumerate(fit(predictor, data, config)):
            mlflow.log_metric("train_loss", loss, step=epoch)
        fit_seconds = time.perf_counter() - started

        # -------------------------------------------------------------- evaluate
        metrics = {**evaluate(predictor, data), "data_seconds": data_seconds, "fit_seconds": fit_seconds}
        mlflow.log_metrics(metrics)

        # -------------------------------------------------------------- log + register
        champion_value = _champion_recall_on(settings, data)
        with tempfile.TemporaryDirectory(prefix="agora-retrieval-") as tmp:
            artifact_dir = predictor.save(Path(tmp) / ARTIFACT_KEY)
            info = mlflow.pyfunc.log_model(
                name="model", python_model=RetrievalPyfunc(), artifacts={ARTIFACT_KEY: str(artifact_dir)},
                registered_model_name=MODEL_NAME,
                pip_requirements=[f"torch=={torch.__version__.split('+')[0]}", "numpy", "pandas", "mlflow"])
        version = str(info.registered_model_version)

        # -------------------------------------------------------------- gate (same held-out slice)
        decision = promote_if_not_worse(MODEL_NAME, version, GATE_METRIC, metrics[GATE_METRIC],
                                        champion_value=champion_value)
        mlflow.set_tags({"registered_version": version, "promotion": decision.alias,
                         "gate_champion_version": str(decision.champion_version),
                         "gate_champion_value": str(decision.champion_value), "run_id": run.info.run_id})
    return RetrievalTrainResult(version, decision.alias, metrics, decision.champion_version,
                                decision.champion_value, len(train), len(data.validation()))


def _champion_recall_on(settings: Settings, data: RetrievalData) -> float | None:
    from mlflow.exceptions import MlflowException

    from models.retrieval.predictor import load_registered

    try:
        champion, _ = load_registered(settings)
    except MlflowException:
        return None
    return evaluate(champion, data)[GATE_METRIC]
