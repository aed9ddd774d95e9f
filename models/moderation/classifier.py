"""``TextModerator``: per-class probabilities for a batch of texts, from an MLflow model URI.

What gets logged to MLflow is an ``mlflow.pyfunc`` model whose single artifact is a
self-contained directory (see :meth:`TextModerator.save`)::

    moderator/
      encoder/          Hugging Face encoder + tokenizer (``save_pretrained``)
      head.pt           state dict of the linear head
      encoder_1/, head_1.pt, ...
                        further members of a seed ensemble (their logits are averaged)
      ngram.joblib      the n-gram TF-IDF logistic regression (when the model is an ensemble)
      moderation.json   labels, max_length, the validation-tuned log-prior offsets and
                        n-gram weight, ...

Loading needs only those artifacts (no hub, no network). The pyfunc ``predict`` takes a
DataFrame with a ``text`` column and returns one probability column per label plus ``label``;
Python callers (the API, the BentoML service) use :class:`TextModerator` directly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from models.moderation.data import LABELS, normalize_text

MODEL_NAME = "moderation-text"
ARTIFACT_KEY = "moderator"
CONFIG_FILE = "moderation.json"
HEAD_FILE = "head.pt"
NGRAM_FILE = "ngram.joblib"
ENCODER_DIR = "encoder"


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class TextModerator:
    """Wraps the fine-tuned classifier, optionally ensembled with an n-gram model.

    Scores are ``encoder logits + ngram_weight * n-gram log-probabilities + log_prior``: the
    weight and the per-class offset ``log_prior`` (prior shift / decision thresholds) are tuned
    on the validation split."""

    def __init__(self, model, tokenizer, *, labels: Sequence[str] = LABELS, max_length: int = 64,
                 log_prior: Sequence[float] | None = None, name: str = MODEL_NAME,
                 config: dict[str, Any] | None = None, ngram=None, ngram_weight: float = 0.0):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.labels = tuple(labels)
        self.max_length = int(max_length)
        self.log_prior = np.zeros(len(self.labels)) if log_prior is None else np.asarray(log_prior, float)
        self.name = name
        self.config = dict(config or {})
        self.ngram = ngram
        self.ngram_weight = float(ngram_weight)

    # ---------------------------------------------------------------- inference
    def logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Ensemble logits (no prior offset), shape (n, n_labels)."""
        texts = [normalize_text(t) for t in texts]
        out = self.encoder_logits(texts, batch_size=batch_size, normalize=False)
        if self.ngram is not None and self.ngram_weight:
            out = out + self.ngram_weight * self.ngram.log_proba(texts)
        return out

    def encoder_logits(self, texts: Sequence[str], batch_size: int = 64, normalize: bool = True) -> np.ndarray:
        """The fine-tuned encoder's raw logits, shape (n, n_labels). Batches are length-sorted for speed."""
        import torch

        texts = [normalize_text(t) if normalize else str(t) for t in texts]
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not texts:
            return out
        order = np.argsort([len(t) for t in texts], kind="stable")
        self.model.eval()
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                idx = order[start:start + batch_size]
                enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt")
                logits = self.model(enc["input_ids"], enc["attention_mask"])
                out[idx] = logits.float().cpu().numpy()
        return out

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Per-class probabilities (columns in ``self.labels`` order), prior-adjusted."""
        return softmax(self.logits(texts, batch_size=batch_size) + self.log_prior)

    def predict_labels(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Class ids (0 hate, 1 offensive, 2 neither)."""
        return self.predict_proba(texts, batch_size=batch_size).argmax(axis=1)

    def classify(self, texts: Sequence[str], batch_size: int = 64) -> list[dict[str, Any]]:
        """``[{"label": "offensive", "scores": {"hate": .., "offensive": .., "neither": ..}}, ...]``."""
        probs = self.predict_proba(texts, batch_size=batch_size)
        return [{"label": self.labels[int(row.argmax())],
                 "scores": {name: float(p) for name, p in zip(self.labels, row)}} for row in probs]

    # ---------------------------------------------------------------- persistence
    def save(self, directory: str | Path) -> Path:
        """Write the self-contained artifact directory (encoder, tokenizer, head, config)."""
        import torch

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        members = _members(self.model)
        for i, member in enumerate(members):
            member.encoder.save_pretrained(directory / _member_file(ENCODER_DIR, i))
            torch.save(member.head.state_dict(), directory / _member_file(HEAD_FILE, i))
        self.tokenizer.save_pretrained(directory / ENCODER_DIR)
        if self.ngram is not None:
            import joblib

            joblib.dump(self.ngram, directory / NGRAM_FILE)
        config = {**self.config, "labels": list(self.labels), "max_length": self.max_length,
                  "log_prior": [float(x) for x in self.log_prior],
                  "ngram_weight": self.ngram_weight if self.ngram is not None else 0.0,
                  "hidden_size": int(members[0].head.in_features), "members": len(members), "pooling": "mean",
                  "normalization": "html-unescape, urls->http, @handles->@user, squeeze spaces"}
        (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2))
        return directory

    @classmethod
    def from_dir(cls, directory: str | Path, name: str = MODEL_NAME) -> "TextModerator":
        """Load from an artifact directory written by :meth:`save`."""
        _offline()
        import torch
        from transformers import AutoModel, AutoTokenizer

        from models.moderation.model import EncoderEnsemble, ModerationClassifier

        directory = Path(directory)
        config = json.loads((directory / CONFIG_FILE).read_text())
        tokenizer = AutoTokenizer.from_pretrained(directory / ENCODER_DIR, local_files_only=True)
        members = []
        for i in range(int(config.get("members", 1))):
            encoder = AutoModel.from_pretrained(directory / _member_file(ENCODER_DIR, i), local_files_only=True)
            member = ModerationClassifier(encoder, config["hidden_size"], len(config["labels"]))
            member.head.load_state_dict(torch.load(directory / _member_file(HEAD_FILE, i), map_location="cpu",
                                                   weights_only=True))
            members.append(member)
        model = members[0] if len(members) == 1 else EncoderEnsemble(members)
        ngram = None
        if (directory / NGRAM_FILE).is_file():
            import joblib

            ngram = joblib.load(directory / NGRAM_FILE)  # our own artifact, written by save()
        return cls(model, tokenizer, labels=config["labels"], max_length=config["max_length"],
                   log_prior=config.get("log_prior"), name=name, config=config,
                   ngram=ngram, ngram_weight=config.get("ngram_weight", 0.0))

    @classmethod
    def load(cls, uri: str | None = None) -> "TextModerator":
        """Load any MLflow model URI (default ``models:/moderation-text@champion``) or a local dir.

        Uses the MLflow tracking/registry URIs of the settings (``$AGORA_HOME`` or
        ``AGORA_MLFLOW_TRACKING_URI``), never an ``MLFLOW_TRACKING_URI`` inherited from a parent.
        """
        path = Path(uri) if uri else None
        if path is not None and (path / CONFIG_FILE).is_file():
            return cls.from_dir(path, name=str(path))

        import mlflow

        from models.registry import champion_uri, configure_mlflow

        configure_mlflow("moderation")
        uri = uri or champion_uri(MODEL_NAME)
        name = _describe(uri)
        pyfunc = mlflow.pyfunc.load_model(uri)
        wrapper = pyfunc.unwrap_python_model()
        moderator = wrapper.moderator
        moderator.name = name
        return moderator


def _members(model) -> list:
    """The ``ModerationClassifier`` members of a model: itself, or an ``EncoderEnsemble``'s members."""
    return list(model.members) if hasattr(model, "members") else [model]


def _member_file(name: str, index: int) -> str:
    """Member 0 keeps the single-model names (``encoder``, ``head.pt``): older artifacts still load."""
    if index == 0:
        return name
    stem, dot, suffix = name.partition(".")
    return f"{stem}_{index}{dot}{suffix}"


def _describe(uri: str) -> str:
    """``models:/moderation-text@champion`` → ``moderation-text/<version>``."""
    if not uri.startswith("models:/"):
        return uri
    from mlflow import MlflowClient

    ref = uri[len("models:/"):].strip("/")
    client = MlflowClient()
    if "@" in ref:
        model, alias = ref.split("@", 1)
        return f"{model}/{client.get_model_version_by_alias(model, alias).version}"
    model, _, version = ref.partition("/")
    if version.isdigit():
        return f"{model}/{version}"
    return ref


try:  # the pyfunc flavour; mlflow is a hard dependency of the project, but keep import-time soft
    import mlflow.pyfunc as _pyfunc
    import pandas as pd
except ImportError:  # pragma: no cover
    _pyfunc = None

if _pyfunc is not None:
    class ModerationPyfunc(_pyfunc.PythonModel):
        """``predict(DataFrame[text]) -> DataFrame[hate, offensive, neither, label]`` (probabilities).

        A list of strings or a Series works too; a DataFrame without ``text`` uses its first column.
        """

        def load_context(self, context) -> None:
            self.moderator = TextModerator.from_dir(context.artifacts[ARTIFACT_KEY])

        def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
            if isinstance(model_input, pd.DataFrame):
                texts = model_input["text" if "text" in model_input.columns else model_input.columns[0]]
            else:
                texts = model_input
            texts = [str(t) for t in list(texts)]
            probs = self.moderator.predict_proba(texts)
            out = pd.DataFrame(probs, columns=list(self.moderator.labels))
            out["label"] = [self.moderator.labels[i] for i in probs.argmax(axis=1)]
            return out
else:  # pragma: no cover
    ModerationPyfunc = None  # type: ignore[assignment]
