"""Load a registered spam model with the threshold and baseline rule its training run chose."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from agora.settings import Settings, get_settings
from models.registry import champion_uri
from models.spam.classifier import MODEL_NAME, spam_scores
from models.spam.evaluate import BaselineRule


@dataclass
class SpamScorer:
    model: object
    version: str
    threshold: float
    baseline: BaselineRule
    split_seed: int

    @classmethod
    def load(cls, uri: str | None = None, settings: Settings | None = None) -> SpamScorer:
        import mlflow
        from mlflow import MlflowClient

        settings = settings or get_settings()
        mlflow.set_tracking_uri(settings.mlflow_uri)
        mlflow.set_registry_uri(settings.mlflow_uri)
        uri = uri or champion_uri(MODEL_NAME)
        client = MlflowClient()
        name, _, ref = uri.removeprefix("models:/").partition("@")
        if ref:
            version = client.get_model_version_by_alias(name, ref)
        else:
            name, _, number = uri.removeprefix("models:/").partition("/")
            version = client.get_model_version(name, number)
        params = client.get_run(version.run_id).data.params
        return cls(mlflow.sklearn.load_model(uri), str(version.version), float(params["threshold"]),
                   BaselineRule(params["baseline_feature"], float(params["baseline_threshold"])),
                   int(params["split_seed"]))

    @classmethod
    def champion_or_none(cls, settings: Settings | None = None) -> SpamScorer | None:
        from mlflow.exceptions import MlflowException

        try:
            return cls.load(settings=settings)
        except MlflowException:
            return None

    def scores(self, features: pd.DataFrame) -> np.ndarray:
        return spam_scores(self.model, features)

    def flags(self, features: pd.DataFrame) -> np.ndarray:
        return self.scores(features) >= self.threshold
