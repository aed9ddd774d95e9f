"""Train the home-feed ranker, log it to MLflow (experiment ``ranker``), register it as ``ranker``
and promote it to ``@champion`` unless the current champion scores a higher validation AUC
on the *same* validation rows.

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
from models.ranker.model import Ranker, RankerConfig
from models.ranker.predictor import ARTIFACT_KEY, MODEL_NAME, RankerPredictor, RankerPyfunc
from models.ranker.preprocessing import FeaturePreprocessor

EXPERIMENT = "ranker"
GATE_METRIC = "val_auc"


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
    from sklearn.metrics import log_loss, roc_auc_score

    p = np.clip(probabilities, 1e-7, 1 - 1e-7)
    return {"auc": float(roc_auc_score(labels, p)), "log_loss": float(log_loss(labels, p, labels=[0, 1]))}


def fit(model: Ranker, x: np.ndarray, y: np.ndarray, config: RankerConfig, on_epoch=None) -> None:
    """Plain minibatch Adam on binary cross-entropy (the target is the calibrated P(like))."""
    generator = torch.Generator().manual_seed(config.seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xs, ys = torch.from_numpy(x), torch.from_numpy(y.astype(np.float32))
    for epoch in range(config.epochs):
        model.train()
        order = torch.randperm(len(xs), generator=generator)
        total = 0.0
        for start in range(0, len(xs), config.batch_size):
            batch = order[start:start + config.batch_size]
            optimiser.zero_grad()
            loss = loss_fn(model(xs[batch]), ys[batch])
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        model.eval()
        if on_epoch is not None:
            on_epoch(epoch, total / max(len(xs), 1))


def train_ranker(settings: Settings, epochs: int | None = None, config: RankerConfig | None = None) -> TrainResult:
    import mlflow

    from features.store import feature_store
    from models.ranker.dataset import build_dataset
    from models.registry import configure_mlflow, promote_if_not_worse

    config = config or RankerConfig()
    if epochs is not None:
        config = replace(config, epochs=epochs)
    torch.manual_seed(config.seed)
    configure_mlflow(EXPERIMENT, settings)

    # ------------------------------------------------------------------ data
    started = time.perf_counter()
    dataset = build_dataset(settings, feature_store(settings))
    train_df, val_df = dataset.train(), dataset.validation()
    if train_df["label"].nunique() < 2 or val_df["label"].nunique() < 2:
        raise ValueError("both splits need liked and unliked impressions; generate more events")
    data_seconds = time.perf_counter() - started
    preprocessor = FeaturePreprocessor.fit(train_df, dataset.feature_names)
    x_train, y_train = preprocessor.transform(train_df), train_df["label"].to_numpy()
    x_val, y_val = preprocessor.transform(val_df), val_df["label"].to_numpy()
    config = replace(config, n_features=len(dataset.feature_names))

    with mlflow.start_run() as run:
        mlflow.log_params({**{k: str(v) for k, v in config.to_dict().items()},
                           "feature_service": dataset.feature_service,
                           "split_time": dataset.split_time.isoformat(),
                           "n_train": len(train_df), "n_val": len(val_df)})
        mlflow.log_dict({"features": dataset.feature_names}, "features.json")

        # -------------------------------------------------------------- loop
        model = Ranker(config)
        predictor = RankerPredictor(model, preprocessor, dataset.feature_service)

        def on_epoch(epoch: int, train_loss: float) -> None:
            scores = evaluate(predictor.predict(val_df), y_val)
            mlflow.log_metrics({"train_loss": train_loss, "val_auc_epoch": scores["auc"]}, step=epoch)

        fit_started = time.perf_counter()
        fit(model, x_train, y_train, config, on_epoch)
        fit_seconds = time.perf_counter() - fit_started

        # -------------------------------------------------------------- evaluate
        scores = evaluate(predictor.predict(val_df), y_val)
        metrics = {"val_auc": scores["auc"], "val_log_loss": scores["log_loss"],
                   "val_positive_rate": float(y_val.mean()), "train_positive_rate": float(y_train.mean()),
                   "data_seconds": data_seconds, "fit_seconds": fit_seconds}
        mlflow.log_metrics(metrics)

        # -------------------------------------------------------------- log + register
        champion_value = _champion_auc_on(settings, val_df, y_val)
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


def _champion_auc_on(settings: Settings, val_df, y_val) -> float | None:
    """The current champion re-scored on this validation split (None: no champion, or it needs
    features this split does not have, in which case the gate falls back to its logged AUC)."""
    from mlflow.exceptions import MlflowException

    from models.ranker.predictor import load_registered

    try:
        champion, _ = load_registered(settings)
    except MlflowException:
        return None
    if not set(champion.feature_names) <= set(val_df.columns):
        return None
    return evaluate(champion.predict(val_df), y_val)["auc"]
