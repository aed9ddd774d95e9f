"""The ``follow-suggest`` model as one object: a graph snapshot, its pair featurizer, the
candidate sources (with the FAISS index over the node embeddings) and the gradient-boosted
pair ranker; how it is saved as an MLflow pyfunc and how serving loads ``@champion``.

Artifact layout (one directory, logged under the pyfunc's artifact key ``follow_suggest``)::

    follow_suggest/
      suggester.joblib   snapshot, featurizer (embeddings), candidate sources, the GBM
      neighbours.faiss   the FAISS inner-product index over the L2-normalised embeddings
      suggest.json       feature names, snapshot time and size, the evaluation it was gated on
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import mlflow.pyfunc
import numpy as np

from agora.settings import Settings
from models.suggest.candidates import CandidateSources
from models.suggest.follow_features import FollowFeaturizer
from models.suggest.snapshot import GraphSnapshot

MODEL_NAME = "follow-suggest"
ARTIFACT_KEY = "follow_suggest"
STATE_FILE = "suggester.joblib"
INDEX_FILE = "neighbours.faiss"
SPEC_FILE = "suggest.json"


@dataclass
class RankedSuggestion:
    account_id: int
    score: float
    sources: list[str]
    similar_to: int | None     # the recently followed account it resembles (similar_to_recently_followed)


class FollowSuggester:
    def __init__(self, featurizer: FollowFeaturizer, sources: CandidateSources, classifier,
                 feature_names: list[str], name: str = MODEL_NAME):
        self.featurizer = featurizer
        self.sources = sources
        self.classifier = classifier
        self.feature_names = feature_names
        self.name = name

    @property
    def snapshot(self) -> GraphSnapshot:
        return self.featurizer.snapshot

    def score(self, viewers: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """P(follow) of each (viewer, candidate) index pair."""
        x, names = self.featurizer.transform(viewers, candidates)
        if names != self.feature_names:
            raise ValueError("the featurizer's columns differ from the ones the classifier was trained on")
        return self.classifier.predict_proba(x)[:, 1] if len(x) else np.zeros(0)

    def suggest(self, viewer_id: int, following_ids, recently_followed_ids=(),
                limit: int = 40) -> list[RankedSuggestion]:
        """Candidates for the viewer from every source, ranked by the classifier. ``following_ids``
        and ``recently_followed_ids`` (oldest first) come from the live database, so follows made
        after the snapshot are excluded and seed the friends-of-friends and similarity sources."""
        snap = self.snapshot
        viewer = int(snap.index_of([viewer_id])[0])
        following = snap.index_of(list(following_ids))
        following = following[following >= 0]
        recent = snap.index_of(list(recently_followed_ids))
        candidates = self.sources(viewer, following, recent[recent >= 0])
        if not len(candidates.index):
            return []
        scores = self.score(np.full(len(candidates.index), viewer), candidates.index)
        order = np.argsort(-scores, kind="stable")[:limit]
        ids = snap.account_ids
        return [RankedSuggestion(int(ids[candidates.index[i]]), float(scores[i]), candidates.sources[i],
                                 int(ids[candidates.similar_to[c]]) if (c := int(candidates.index[i])) in
                                 candidates.similar_to else None)
                for i in order.tolist()]

    def save(self, directory: str | Path, spec: dict) -> Path:
        import faiss
        import joblib

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.sources.index, str(directory / INDEX_FILE))
        index, self.sources.index = self.sources.index, None     # FAISS objects do not pickle
        try:
            joblib.dump({"featurizer": self.featurizer, "sources": self.sources, "classifier": self.classifier,
                         "feature_names": self.feature_names}, directory / STATE_FILE, compress=3)
        finally:
            self.sources.index = index
        (directory / SPEC_FILE).write_text(json.dumps({**spec, "feature_names": self.feature_names,
                                                       "accounts": int(self.snapshot.n)}, indent=2, default=str))
        return directory

    @classmethod
    def load(cls, directory: str | Path, name: str = MODEL_NAME) -> FollowSuggester:
        import faiss
        import joblib

        directory = Path(directory)
        state = joblib.load(directory / STATE_FILE)
        state["sources"].index = faiss.read_index(str(directory / INDEX_FILE))
        return cls(state["featurizer"], state["sources"], state["classifier"], state["feature_names"], name)


class FollowSuggestPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow wrapper: ``predict`` takes rows of ``viewer_id, account_id`` and returns P(follow)."""

    def load_context(self, context):
        self.suggester = FollowSuggester.load(context.artifacts[ARTIFACT_KEY])

    def predict(self, context, model_input, params=None):
        snap = self.suggester.snapshot
        return self.suggester.score(snap.index_of(model_input["viewer_id"]), snap.index_of(model_input["account_id"]))


def load_registered(settings: Settings, alias: str = "champion") -> tuple[FollowSuggester, str]:
    """``models:/follow-suggest@<alias>`` → (suggester, version)."""
    from mlflow import MlflowClient

    from models.registry import configure_mlflow

    configure_mlflow(MODEL_NAME, settings)
    version = MlflowClient().get_model_version_by_alias(MODEL_NAME, alias).version
    pyfunc = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}/{version}")
    suggester = pyfunc.unwrap_python_model().suggester
    suggester.name = f"{MODEL_NAME}/{version}"
    return suggester, str(version)
