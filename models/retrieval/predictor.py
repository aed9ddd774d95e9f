"""A trained two-tower model as one object (towers + vocabularies), how it is saved as an
MLflow pyfunc, and how the index build and serving load ``models:/retrieval@champion``.

Artifact layout (logged under the pyfunc's artifact key ``retrieval``)::

    retrieval/
      weights.pt       state dict of :class:`models.retrieval.model.TwoTower`
      retrieval.json   config and vocabularies
"""

from __future__ import annotations

import json
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import torch

from agora.settings import Settings
from models.retrieval.dataset import ViewerHistory, Vocabulary
from models.retrieval.model import TwoTower, TwoTowerConfig

MODEL_NAME = "retrieval"
ARTIFACT_KEY = "retrieval"
WEIGHTS_FILE = "weights.pt"
SPEC_FILE = "retrieval.json"


class RetrievalPredictor:
    def __init__(self, model: TwoTower, vocabulary: Vocabulary, name: str = MODEL_NAME):
        self.model = model.eval()
        self.vocabulary = vocabulary
        self.name = name

    @property
    def dim(self) -> int:
        return self.model.config.dim

    def post_vectors(self, text: np.ndarray, author_ids, tag_lists) -> np.ndarray:
        v = self.vocabulary
        with torch.inference_mode():
            out = self.model.post_vectors(torch.from_numpy(np.asarray(text, dtype=np.float32)),
                                          torch.from_numpy(v.author_index(author_ids)),
                                          torch.from_numpy(v.tag_matrix(tag_lists)))
        return out.numpy()

    def viewer_vectors(self, viewer_ids, history: ViewerHistory, minus_text: np.ndarray | None = None) -> np.ndarray:
        rows = history.rows(viewer_ids)
        with torch.inference_mode():
            out = self.model.viewer_vectors(
                torch.from_numpy(self.vocabulary.viewer_index(viewer_ids)),
                torch.from_numpy(history.text_mean(rows, minus_text)),
                torch.from_numpy(self.vocabulary.author_index(history.author_ids(rows).ravel())
                                 .reshape(len(rows), -1)))
        return out.numpy()

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        torch.save(self.model.state_dict(), directory / WEIGHTS_FILE)
        spec = {"config": self.model.config.to_dict(), "vocabulary": self.vocabulary.to_dict()}
        (directory / SPEC_FILE).write_text(json.dumps(spec))
        return directory

    @classmethod
    def load(cls, directory: str | Path, name: str = MODEL_NAME) -> RetrievalPredictor:
        directory = Path(directory)
        spec = json.loads((directory / SPEC_FILE).read_text())
        model = TwoTower(TwoTowerConfig.from_dict(spec["config"]))
        model.load_state_dict(torch.load(directory / WEIGHTS_FILE, map_location="cpu", weights_only=True))
        return cls(model, Vocabulary.from_dict(spec["vocabulary"]), name)


class RetrievalPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow wrapper: ``predict`` maps a DataFrame of posts (``text_vector``, ``author_id``,
    ``tags``) to their post-tower vectors. The index build and the service unwrap the predictor."""

    def load_context(self, context):
        self.predictor = RetrievalPredictor.load(context.artifacts[ARTIFACT_KEY])

    def predict(self, context, model_input, params=None):
        text = np.stack(model_input["text_vector"].to_numpy())
        return self.predictor.post_vectors(text, model_input["author_id"], list(model_input["tags"]))


def load_registered(settings: Settings, alias: str = "champion") -> tuple[RetrievalPredictor, str]:
    """``models:/retrieval@<alias>`` → (predictor, version)."""
    from mlflow import MlflowClient

    from models.registry import configure_mlflow

    configure_mlflow(MODEL_NAME, settings)
    version = MlflowClient().get_model_version_by_alias(MODEL_NAME, alias).version
    pyfunc = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}/{version}")
    predictor = pyfunc.unwrap_python_model().predictor
    predictor.name = f"{MODEL_NAME}/{version}"
    return predictor, str(version)
