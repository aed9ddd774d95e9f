"""Train the multi-task home-feed ranker, log it to MLflow (experiment ``ranker``: per-head AUC,
log loss and calibration error, NDCG@k of the combined score), register it as ``ranker`` and
promote it to ``@champion`` unless the current champion scores a higher validation AUC of
P(like) on the *same* validation rows.

Reads top to bottom: data (Feast point-in-time features), preprocessing fitted on the
training split, the loop, evaluation, then log + register + gate.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from agora.settings import Settings
from models.ranker.dataset import RankerDataset, build_dataset
from models.ranker.model import Ranker, RankerConfig
from models.ranker.predictor import ARTIFACT_KEY, MODEL_NAME, RankerPredictor, RankerPyfunc
from models.ranker.preprocessing import FeaturePreprocessor

EXPERIMENT = "ranker"
GATE_METRIC = "val_auc"
NDCG_K = 20


@dataclass
class TrainResult:
    version: str
    alias: str
    promoted: bool
    metrics: dict[str, float]
    champion_version: str | None
    champion_value: float | None
    run_id: str
    n_train: int
    n_val: int
    feature_names: list[str] = field(default_factory=list)


def evaluate(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """AUC (None when the labels are all one class), log loss and expected calibration error."""
    from sklearn.metrics import log_loss, roc_auc_score

    p = np.clip(probabilities, 1e-7, 1 - 1e-7)
    auc = float(roc_auc_score(labels, p)) if len(np.unique(labels)) > 1 else None
    return {"auc": auc, "log_loss": float(log_loss(labels, p, labels=[0, 1])),
            "ece": calibration_error(p, labels)}


def calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: |mean prediction − positive rate| per equal-width bin,
    weighted by the bin's share of rows. The score adds probabilities, so they must be calibrated."""
    which = np.minimum((probabilities * bins).astype(int), bins - 1)
    counts = np.bincount(which, minlength=bins)
    gap = np.abs(np.bincount(which, probabilities, bins) - np.bincount(which, labels.astype(float), bins))
    return float(gap.sum() / max(counts.sum(), 1))


def head_labels(frame, heads) -> np.ndarray:
    return np.stack([frame[f"label_{h}"].to_numpy() for h in heads], axis=1).astype(np.float32)


def fit(model: Ranker, x: np.ndarray, y: np.ndarray, config: RankerConfig, on_epoch=None) -> None:
    """Minibatch Adam on the heads' summed binary cross-entropy (each target is a calibrated P)."""
    generator = torch.Generator().manual_seed(config.seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(config.epochs):
        model.train()
        order = torch.randperm(len(xs), generator=generator)
        total = 0.0
        for start in range(0, len(xs), config.batch_size):
            batch = order[start:start + config.batch_size]
            optimiser.zero_grad()
            loss = loss_fn(model(xs[batch]), ys[batch]).mean(0).sum()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        model.eval()
        if on_epoch is not None:
            on_epoch(epoch, total / max(len(xs), 1))


def train_ranker(settings: Settings, epochs: int | None = None, config: RankerConfig | None = None,
                 dataset: RankerDataset | None = None) -> TrainResult:
    """Train, log, register and gate one ranker. ``dataset``: rows already built with
    ``build_dataset`` (point-in-time features from Feast), to compare several configs on the same
    rows without a historical join per run (most of a run's time on a small world); by default
    they are built here."""
    import mlflow

    from features.store import feature_store
    from models.registry import configure_mlflow, promote_if_not_worse

    config = config or RankerConfig()
    if epochs is not None:
        config = replace(config, epochs=epochs)
    torch.manual_seed(config.seed)
    configure_mlflow(EXPERIMENT, settings)

    # ------------------------------------------------------------------ data
    started = time.perf_counter()
    if dataset is None:
        dataset = build_dataset(settings, feature_store(settings))
    train_df, val_df = dataset.train(), dataset.validation()
    if train_df["label"].nunique() < 2 or val_df["label"].nunique() < 2:
        raise ValueError("both splits need liked and unliked impressions; generate more events")
    data_seconds = time.perf_counter() - started
    preprocessor = FeaturePreprocessor.fit(train_df, dataset.feature_names)
    x_train = preprocessor.transform(train_df)
    config = replace(config, n_features=len(dataset.feature_names))
    y_train, y_val = head_labels(train_df, config.heads), head_labels(val_df, config.heads)

    with mlflow.start_run() as run:
        mlflow.log_params({**{k: str(v) for k, v in config.to_dict().items()},
                           "feature_service": dataset.feature_service,
                           "split_time": dataset.split_time.isoformat(),
                           "n_train": len(train_df), "n_val": len(val_df)})
        mlflow.log_dict({"features": dataset.feature_names, "head_weights": config.head_weights}, "features.json")

        # -------------------------------------------------------------- loop
        model = Ranker(config)
        predictor = RankerPredictor(model, preprocessor, dataset.feature_service)

        def on_epoch(epoch: int, train_loss: float) -> None:
            like_auc = evaluate(predictor.predict(val_df), val_df["label"].to_numpy())["auc"]
            mlflow.log_metrics({"train_loss": train_loss, "val_auc_epoch": like_auc}, step=epoch)

        fit_started = time.perf_counter()
        fit(model, x_train, y_train, config, on_epoch)
        fit_seconds = time.perf_counter() - fit_started

        # -------------------------------------------------------------- evaluate
        metrics = validation_metrics(predictor, val_df, y_val)
        metrics.update({"val_positive_rate": float(val_df["label"].mean()),
                        "train_positive_rate": float(train_df["label"].mean()),
                        "data_seconds": data_seconds, "fit_seconds": fit_seconds})
        mlflow.log_metrics(metrics)

        # -------------------------------------------------------------- log + register
        champion_value = _champion_auc_on(settings, val_df)
        with tempfile.TemporaryDirectory(prefix="agora-ranker-") as tmp:
            artifact_dir = predictor.save(Path(tmp) / ARTIFACT_KEY)
            info = mlflow.pyfunc.log_model(
                name="model", python_model=RankerPyfunc(), artifacts={ARTIFACT_KEY: str(artifact_dir)},
                registered_model_name=MODEL_NAME,
                pip_requirements=[f"torch=={torch.__version__.split('+')[0]}", "numpy", "pandas", "mlflow"],
            )
        version = str(info.registered_model_version)

        # -------------------------------------------------------------- gate (same validation rows)
        decision = promote_if_not_worse(MODEL_NAME, version, GATE_METRIC, metrics[GATE_METRIC],
                                        champion_value=champion_value)
        mlflow.set_tags({"registered_version": version, "promotion": decision.alias,
                         "gate_champion_version": str(decision.champion_version),
                         "gate_champion_value": str(decision.champion_value)})

    return TrainResult(version=version, alias=decision.alias, promoted=decision.promoted, metrics=metrics,
                       champion_version=decision.champion_version, champion_value=decision.champion_value,
                       run_id=run.info.run_id, n_train=len(train_df), n_val=len(val_df),
                       feature_names=list(dataset.feature_names))


def validation_metrics(predictor: RankerPredictor, val_df, y_val: np.ndarray, k: int = NDCG_K) -> dict[str, float]:
    """Per head: AUC, log loss, ECE (``val_<metric>_<head>``); ``val_auc`` / ``val_log_loss`` are
    the like head's (the gate's); ``val_ndcg_<k>``: NDCG@k of the combined score per viewer,
    with the observed likes as gains."""
    from models.ranker.offline_eval import mean_ndcg

    probabilities = predictor.predict_heads(val_df)
    metrics: dict[str, float] = {}
    for i, head in enumerate(predictor.heads):
        for name, value in evaluate(probabilities[:, i], y_val[:, i]).items():
            if value is not None:  # a head without positives in this split has no AUC
                metrics[f"val_{name}_{head}"] = value
    metrics["val_auc"], metrics["val_log_loss"] = metrics["val_auc_like"], metrics["val_log_loss_like"]
    ranked = val_df[["viewer_id"]].assign(score=predictor.combine(probabilities), gain=val_df["label"].to_numpy())
    metrics[f"val_ndcg_{k}"] = mean_ndcg(ranked, "score", k)
    return metrics


def _champion_auc_on(settings: Settings, val_df) -> float | None:
    """The current champion re-scored on this validation split (None: no champion, or one this
    code cannot load or feed — it needs features this split lacks, or predates the multi-task
    format — in which case the gate falls back to its logged AUC)."""
    from mlflow.exceptions import MlflowException

    from models.ranker.predictor import load_registered

    try:
        champion, _ = load_registered(settings)
    except (MlflowException, KeyError, RuntimeError):
        return None
    if not set(champion.feature_names) <= set(val_df.columns):
        return None
    return evaluate(champion.predict(val_df), val_df["label"].to_numpy())["auc"]
