"""The spam classifier (no I/O): gradient-boosted trees over ``pipelines.spam_features.FEATURES``.

Trees suit these features: skewed counts and ratios with thresholds that matter (a posting rate
above a few a day, churn above a third), no scaling needed, and 500 accounts train in a second."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

MODEL_NAME = "spam"


@dataclass(frozen=True)
class SpamConfig:
    # Small trees: a few hundred training accounts with a few dozen spammers; 4 leaves of at
    # least 10 accounts kept held-out precision up where 8 leaves of 5 overfitted the threshold.
    max_iter: int = 100
    learning_rate: float = 0.05
    max_leaf_nodes: int = 4
    min_samples_leaf: int = 10
    l2_regularization: float = 1.0
    seed: int = 0

    def as_params(self) -> dict:
        return asdict(self)


def build_classifier(config: SpamConfig):
    from sklearn.ensemble import HistGradientBoostingClassifier

    # Spammers are a small minority: weight them up so the trees do not settle for "nobody".
    return HistGradientBoostingClassifier(
        max_iter=config.max_iter, learning_rate=config.learning_rate, max_leaf_nodes=config.max_leaf_nodes,
        min_samples_leaf=config.min_samples_leaf, l2_regularization=config.l2_regularization,
        class_weight="balanced", random_state=config.seed)


def spam_scores(model, features) -> np.ndarray:
    """P(spam) per row of ``features`` (a DataFrame with the training columns)."""
    return model.predict_proba(features)[:, 1]
