"""Held-out accounts, the metrics, and the simple rule the model must beat."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from agora.settings import Settings
from pipelines.spam_features import account_features, read_events

#: Share of the planted spammers (and, separately, of normal accounts) held out for evaluation.
TEST_FRACTION = 0.3
#: The baseline rule picks the best single feature and threshold among these on the training accounts.
BASELINE_FEATURES = ("posts_per_day", "near_duplicate_ratio", "link_ratio")
#: Thresholds (the model's and the rule's) maximise F-beta with beta 0.5 on training accounts:
#: precision counts double, because silencing an innocent account costs more than missing a spammer.
THRESHOLD_BETA = 0.5


def held_out(usernames, labels: pd.Series, *, seed: int = 0, fraction: float = TEST_FRACTION) -> np.ndarray:
    """A stratified account-level split that depends only on the usernames and labels (not on
    row order, nor on ids, which differ between two generations of the same world): within each
    class, accounts are ordered by a seeded hash of their username and the first ``fraction``
    are held out. Returns a boolean mask in the order of ``usernames``."""
    keys = np.array([zlib.crc32(f"{seed}:{name}".encode()) for name in usernames])
    mask = np.zeros(len(keys), dtype=bool)
    for label in (False, True):
        members = np.flatnonzero(labels.to_numpy() == label)
        chosen = members[np.argsort(keys[members], kind="stable")][:int(round(fraction * len(members)))]
        mask[chosen] = True
    return mask


def binary_metrics(y_true: np.ndarray, flagged: np.ndarray, scores: np.ndarray | None = None) -> dict:
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    precision, recall, f1, _ = precision_recall_fscore_support(y_true, flagged, average="binary", zero_division=0)
    out = {"precision": float(precision), "recall": float(recall), "f1": float(f1)}
    if scores is not None:
        out["auc"] = float(roc_auc_score(y_true, scores)) if 0 < y_true.sum() < len(y_true) else float("nan")
    return out


def best_threshold(y_true: np.ndarray, scores: np.ndarray, beta: float = THRESHOLD_BETA) -> float:
    """The score threshold with the best F-beta (ties: the higher threshold, fewer false alarms)."""
    from sklearn.metrics import fbeta_score

    best, best_score = 0.5, -1.0
    for threshold in np.unique(scores):
        score = fbeta_score(y_true, scores >= threshold, beta=beta, zero_division=0)
        if score >= best_score:
            best, best_score = float(threshold), score
    return best


@dataclass(frozen=True)
class BaselineRule:
    """Flag an account when one feature reaches a threshold (what a moderator would write by hand)."""

    feature: str
    threshold: float

    @classmethod
    def fit(cls, features: pd.DataFrame, labels: np.ndarray) -> BaselineRule:
        from sklearn.metrics import fbeta_score

        rules = [cls(name, best_threshold(labels, features[name].to_numpy())) for name in BASELINE_FEATURES]
        return max(rules, key=lambda r: fbeta_score(labels, r.flags(features), beta=THRESHOLD_BETA, zero_division=0))

    def flags(self, features: pd.DataFrame) -> np.ndarray:
        return features[self.feature].to_numpy() >= self.threshold

    def evaluate(self, features: pd.DataFrame, labels: np.ndarray) -> dict:
        return {"rule": f"{self.feature} >= {self.threshold:.4g}",
                **binary_metrics(labels, self.flags(features), features[self.feature].to_numpy())}


@dataclass
class LabelledAccounts:
    features: pd.DataFrame
    labels: pd.Series
    test: np.ndarray  # held-out mask


def labelled_accounts(settings: Settings, *, split_seed: int = 0, world_dir: Path | None = None) -> LabelledAccounts:
    """Lake features of every account the world labelled (``users.parquet``), and the held-out mask."""
    users = pd.read_parquet((world_dir or settings.home / "world") / "users.parquet",
                            columns=["account_id", "username", "spam"]).set_index("account_id")
    features = account_features(read_events(settings))
    features = features.loc[features.index.intersection(users.index)].sort_index()
    labels = users["spam"].astype(bool).reindex(features.index)
    if labels.sum() < 4:
        raise ValueError(f"the world has {int(labels.sum())} spammers with activity in the lake; need at least 4 "
                         "(generate a bigger world, then export the outbox: agora pipeline export)")
    return LabelledAccounts(features, labels, held_out(users["username"].reindex(features.index), labels,
                                                       seed=split_seed))


def evaluate_spam(settings: Settings, uri: str | None = None) -> dict:
    """Score the world's held-out accounts (the split the model was trained with) with a
    registered model (default: the champion), next to the baseline rule fitted in training."""
    from models.spam.classifier import MODEL_NAME
    from models.spam.scoring import SpamScorer

    scorer = SpamScorer.load(uri, settings)
    data = labelled_accounts(settings, split_seed=scorer.split_seed)
    features, labels = data.features[data.test], data.labels[data.test].to_numpy()
    scores = scorer.scores(features)
    return {"model": f"{MODEL_NAME}/{scorer.version}",
            **binary_metrics(labels, scores >= scorer.threshold, scores),
            "threshold": scorer.threshold, "n_accounts": int(len(labels)), "n_spammers": int(labels.sum()),
            "baseline": scorer.baseline.evaluate(features, labels)}
