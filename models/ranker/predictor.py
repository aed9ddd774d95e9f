"""A trained ranker as one object (model + preprocessing + its feature service), how it is
saved as an MLflow pyfunc, and how serving loads ``models:/ranker@champion``.

Artifact layout (one directory, logged under the pyfunc's artifact key ``ranker``)::

    ranker/
      weights.pt    state dict of :class:`models.ranker.model.Ranker`
      ranker.json   config (heads and score weights included), feature service, feature
                    names, log/standardisation stats
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import torch

from agora.settings import Settings
from models.ranker.model import Ranker, RankerConfig
from models.ranker.preprocessing import FeaturePreprocessor

MODEL_NAME = "ranker"
ARTIFACT_KEY = "ranker"
WEIGHTS_FILE = "weights.pt"
SPEC_FILE = "ranker.json"


class RankerPredictor:
    def __init__(self, model: Ranker, preprocessor: FeaturePreprocessor, feature_service: str,
                 name: str = MODEL_NAME):
        self.model = model.eval()
        self.preprocessor = preprocessor
        self.feature_service = feature_service
        self.name = name

    @property
    def feature_names(self) -> list[str]:
        return self.preprocessor.feature_names

    @property
    def heads(self) -> tuple[str, ...]:
        return self.model.config.heads

    def predict_heads(self, columns: Mapping[str, Sequence]) -> np.ndarray:
        """P(engagement) per row of ``columns`` (a DataFrame or Feast's online ``to_dict()``) and
        head: shape ``(rows, len(heads))``, columns in :attr:`heads` order."""
        x = torch.from_numpy(self.preprocessor.transform(columns))
        with torch.inference_mode():
            return self.model.predict_proba(x).numpy().astype(np.float64)

    def combine(self, probabilities: np.ndarray) -> np.ndarray:
        """The ranking score Σ wᵢ·pᵢ (+ the offset that keeps it ≥ 0) of :meth:`predict_heads`' output."""
        return probabilities @ self.model.weights.numpy().astype(np.float64) + self.model.offset

    def score(self, columns: Mapping[str, Sequence]) -> np.ndarray:
        """The feed's ranking score per row."""
        return self.combine(self.predict_heads(columns))

    def predict(self, columns: Mapping[str, Sequence]) -> np.ndarray:
        """P(like) per row (the head the promotion gate's AUC is measured on)."""
        return self.predict_heads(columns)[:, self.heads.index("like")]

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        torch.save(self.model.state_dict(), directory / WEIGHTS_FILE)
        spec = {"config": self.model.config.to_dict(), "feature_service": self.feature_service,
                "preprocessor": self.preprocessor.to_dict()}
        (directory / SPEC_FILE).write_text(json.dumps(spec, indent=2))
        return directory

    @classmethod
    def load(cls, directory: str | Path, name: str = MODEL_NAME) -> RankerPredictor:
        directory = Path(directory)
        spec = json.loads((directory / SPEC_FILE).read_text())
        model = Ranker(RankerConfig.from_dict(spec["config"]))
        model.load_state_dict(torch.load(directory / WEIGHTS_FILE, map_location="cpu", weights_only=True))
        return cls(model, FeaturePreprocessor.from_dict(spec["preprocessor"]), spec["feature_service"], name)


class RankerPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow wrapper: ``predict`` takes a DataFrame with the feature columns and returns one
    with the ranking ``score`` and ``p_<head>`` per head."""

    def load_context(self, context):
        self.predictor = RankerPredictor.load(context.artifacts[ARTIFACT_KEY])

    def predict(self, context, model_input, params=None):
        import pandas as pd

        probabilities = self.predictor.predict_heads(model_input)
        return pd.DataFrame({"score": self.predictor.combine(probabilities),
                             **{f"p_{h}": probabilities[:, i] for i, h in enumerate(self.predictor.heads)}})


def load_registered(settings: Settings, alias: str = "champion") -> tuple[RankerPredictor, str]:
    """``models:/ranker@<alias>`` from ``settings``' MLflow registry → (predictor, version)."""
    from mlflow import MlflowClient

    from models.registry import configure_mlflow

    configure_mlflow(MODEL_NAME, settings)
    version = MlflowClient().get_model_version_by_alias(MODEL_NAME, alias).version
    pyfunc = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}/{version}")
    predictor = pyfunc.unwrap_python_model().predictor
    predictor.name = f"{MODEL_NAME}/{version}"
    return predictor, str(version)
