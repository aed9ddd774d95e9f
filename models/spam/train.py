"""Train the spam classifier on the synthetic world's planted spammers; log, register, gate.

Labels come from ``$AGORA_HOME/world/users.parquet`` (``spam``), features from the event lake
(``pipelines.spam_features``). Accounts are split, stratified, into training and held-out sets
(``models.spam.evaluate.held_out``); the decision threshold is the best threshold on
out-of-fold scores of the *training* accounts (F-beta with beta 0.5 — precision counts double,
as silencing an innocent account costs more than missing a spammer), so the held-out figures
are honest. The simple rule the model must beat (the best single-feature threshold, chosen the
same way) is fitted on the same training accounts and scored on the same held-out ones.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from agora.settings import Settings, get_settings
from models.registry import configure_mlflow, promote_if_not_worse
from models.spam.classifier import MODEL_NAME, SpamConfig, build_classifier, spam_scores
from models.spam.evaluate import BaselineRule, best_threshold, binary_metrics, labelled_accounts
from pipelines.spam_features import FEATURES

log = logging.getLogger("agora.spam")

EXPERIMENT = "spam"
GATE_METRIC = "test_f1"
#: skops (MLflow's safe sklearn format) asks which non-standard types to trust on load: the
#: boosted trees' node arrays, which we wrote ourselves.
TRUSTED_TYPES = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]


@dataclass
class SpamTrainResult:
    version: str
    alias: str
    metrics: dict[str, float]
    baseline: dict
    threshold: float
    champion_version: str | None
    champion_value: float | None
    n_train: int
    n_test: int


def train(settings: Settings | None = None, config: SpamConfig | None = None, *,
          split_seed: int = 0) -> SpamTrainResult:
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    settings, config = settings or get_settings(), config or SpamConfig()
    began = time.perf_counter()
    data = labelled_accounts(settings, split_seed=split_seed)
    x_train, y_train = data.features[~data.test], data.labels[~data.test].to_numpy()
    x_test, y_test = data.features[data.test], data.labels[data.test].to_numpy()

    folds = StratifiedKFold(n_splits=min(5, int(y_train.sum())), shuffle=True, random_state=config.seed)
    oof = cross_val_predict(build_classifier(config), x_train, y_train, cv=folds, method="predict_proba")[:, 1]
    threshold = best_threshold(y_train, oof)
    model = build_classifier(config).fit(x_train, y_train)
    scores = spam_scores(model, x_test)
    metrics = {f"test_{k}": v for k, v in binary_metrics(y_test, scores >= threshold, scores).items()}
    rule = BaselineRule.fit(x_train, y_train)
    baseline = rule.evaluate(x_test, y_test)
    metrics.update({f"baseline_{k}": v for k, v in baseline.items() if k != "rule"})

    mlflow = configure_mlflow(EXPERIMENT, settings)
    with mlflow.start_run(run_name="spam-gbm"):
        mlflow.set_tag("task", "spam")
        mlflow.log_params({**config.as_params(), "split_seed": split_seed, "threshold": threshold,
                           "baseline_feature": rule.feature, "baseline_threshold": rule.threshold,
                           "features": ",".join(FEATURES), "n_train": len(y_train), "n_test": len(y_test),
                           "n_spammers": int(data.labels.sum())})
        mlflow.log_metrics(metrics)
        mlflow.log_dict({"test_account_ids": [int(i) for i in x_test.index]}, "split.json")
        info = mlflow.sklearn.log_model(model, name="model", registered_model_name=MODEL_NAME,
                                        input_example=x_test.head(2), skops_trusted_types=TRUSTED_TYPES)
        version = str(info.registered_model_version)
        champion_value = _champion_f1_on(x_test, y_test, settings)
        decision = promote_if_not_worse(MODEL_NAME, version, GATE_METRIC, metrics[GATE_METRIC],
                                        champion_value=champion_value)
        mlflow.set_tags({"registered_version": version, "promotion": decision.alias})
        mlflow.log_metric("train_seconds", time.perf_counter() - began)
    log.info("spam v%s -> @%s: held-out %s", version, decision.alias, json.dumps(metrics))
    return SpamTrainResult(version, decision.alias, metrics, baseline, threshold, decision.champion_version,
                           decision.champion_value, len(y_train), len(y_test))


def _champion_f1_on(features: pd.DataFrame, labels: np.ndarray, settings: Settings) -> float | None:
    """The current champion re-scored on these held-out accounts (the gate compares like with like)."""
    from models.spam.scoring import SpamScorer

    scorer = SpamScorer.champion_or_none(settings)
    if scorer is None:
        return None
    return binary_metrics(labels, scorer.flags(features))["f1"]
