"""Scoring: the metric set shared by training (validation), the gate and ``agora moderation evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from models.moderation.data import LABELS, load_csv

GATE_METRIC = "val_gate_score"


def classification_metrics(y_true, y_pred) -> dict[str, Any]:
    """Weighted/macro F1 and per-class precision/recall/F1 keyed by label name."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(y_pred, dtype=int)
    labels = list(range(len(LABELS)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    return {
        "weighted_f1": float(f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "accuracy": float((y_true == y_pred).mean()) if len(y_true) else 0.0,
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                   "support": int(support[i])}
            for i, name in enumerate(LABELS)
        },
    }


def gate_score(metrics: dict[str, Any]) -> float:
    """What the promotion gate compares: the mean of weighted F1 and macro F1.

    Weighted F1 (the paper's headline figure) is ~78% the offensive class and barely moves
    when the hate class (~6% of rows) is ignored; macro F1 gives hate a third of the weight.
    Averaging both keeps the paper's figure in the gate without letting hate collapse.
    """
    return 0.5 * (metrics["weighted_f1"] + metrics["macro_f1"])


def flat_metrics(metrics: dict[str, Any], prefix: str = "val_") -> dict[str, float]:
    """MLflow-friendly flat dict: ``val_weighted_f1``, ``val_hate_f1``, ``val_gate_score`` ..."""
    flat = {f"{prefix}weighted_f1": metrics["weighted_f1"], f"{prefix}macro_f1": metrics["macro_f1"],
            f"{prefix}accuracy": metrics["accuracy"], f"{prefix}gate_score": gate_score(metrics)}
    for name, values in metrics["per_class"].items():
        for key in ("precision", "recall", "f1"):
            flat[f"{prefix}{name}_{key}"] = values[key]
    return flat


def report(metrics: dict[str, Any], model: str) -> dict[str, Any]:
    """The ``evaluate --json`` object (contract: model, weighted_f1, macro_f1, per_class)."""
    return {
        "model": model,
        "weighted_f1": round(metrics["weighted_f1"], 6),
        "macro_f1": round(metrics["macro_f1"], 6),
        "per_class": {
            name: {key: round(values[key], 6) for key in ("precision", "recall", "f1")}
            for name, values in metrics["per_class"].items()
        },
        "n": int(sum(v["support"] for v in metrics["per_class"].values())),
        "accuracy": round(metrics["accuracy"], 6),
    }


def evaluate_csv(path: str | Path, model_uri: str, batch_size: int = 64) -> dict[str, Any]:
    """Score a Davidson-format CSV with the model at ``model_uri`` → the ``evaluate --json`` object."""
    from models.moderation.classifier import TextModerator

    frame = load_csv(path)
    moderator = TextModerator.load(model_uri)
    predictions = moderator.predict_labels(frame["tweet"].tolist(), batch_size=batch_size)
    return report(classification_metrics(frame["label"].to_numpy(), predictions), moderator.name)
