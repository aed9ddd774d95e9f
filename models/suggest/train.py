"""Train ``follow-suggest`` on the platform's own follow graph (from the event lake), log it to
MLflow (experiment ``follow-suggest``), register it and gate its promotion.

The time split (three instants over the follow times, by quantile):

    |------ graph at t_train ------|-- new follows --|-- new follows --|
                                t_train          t_eval             now
                                   training examples   evaluation

* training: the graph as it stood at ``t_train``; for viewers who followed someone new in
  ``(t_train, t_eval]``, every candidate the sources produce is an example, labelled 1 if
  the viewer followed it in that window;
* evaluation: the same on the graph at ``t_eval`` against the follows made after it --
  AUC / AP over the candidate pairs, and recall@k of the top-k suggestions of each viewer,
  beside the friends-of-friends baseline (the API's fallback) on the same split;
* serving: the evaluated classifier over the graph as it stands *now* (the artefact).

Reads top to bottom: data, examples, fit, evaluation, log + register + gate.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from agora.settings import Settings
from models.suggest.candidates import CandidateConfig, CandidateSources
from models.suggest.follow_features import MONOTONE_DIRECTED, FollowFeatureConfig, FollowFeaturizer
from models.suggest.follow_log import FollowLog
from models.suggest.ranker import MONOTONE_INCREASING
from models.suggest.snapshot import GraphSnapshot
from models.suggest.suggester import ARTIFACT_KEY, MODEL_NAME, FollowSuggester, FollowSuggestPyfunc

log = logging.getLogger(__name__)

EXPERIMENT = MODEL_NAME
GATE_METRIC = "val_auc"


@dataclass(frozen=True)
class SuggestTrainConfig:
    train_quantile: float = 0.6      # t_train: this quantile of the follow times
    eval_quantile: float = 0.8       # t_eval
    max_viewers: int = 3_000         # viewers sampled per window (bounds time on big graphs)
    ks: tuple[int, ...] = (10, 40)
    max_iter: int = 300
    learning_rate: float = 0.05
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 50
    seed: int = 0
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    features: FollowFeatureConfig = field(default_factory=FollowFeatureConfig)


def suggest_config(node2vec: bool = False) -> SuggestTrainConfig:
    """The default configuration, with PyTorch node2vec embeddings instead of spectral ones on request."""
    from models.suggest.pair_features import FeatureConfig

    graph = FeatureConfig(spectral_dim=32, paths4=False, node2vec=node2vec)
    return SuggestTrainConfig(features=FollowFeatureConfig(graph))


@dataclass
class Window:
    """Every candidate pair of the sampled viewers on the graph at one instant, with labels."""

    featurizer: FollowFeaturizer
    sources: CandidateSources
    viewers: np.ndarray              # per pair
    candidates: np.ndarray           # per pair
    labels: np.ndarray               # per pair: followed in the window
    x: np.ndarray
    feature_names: list[str]
    positives: dict[int, set[int]]   # viewer → every account followed in the window (in the pool or not)
    following: dict[int, np.ndarray]


@dataclass
class TrainResult:
    version: str
    alias: str
    promoted: bool
    metrics: dict[str, float]
    champion_version: str | None
    champion_value: float | None
    run_id: str


# ---------------------------------------------------------------------------- examples

def window(log_: FollowLog, start: datetime, end: datetime | None, config: SuggestTrainConfig) -> Window:
    """The graph at ``start``, every candidate of each viewer who followed someone new in
    ``(start, end]`` (the viewer's follows at ``start`` seed the sources, as the API's live
    follows do), labelled by those new follows."""
    snapshot = GraphSnapshot.from_log(log_, start)
    featurizer = FollowFeaturizer(config.features, seed=config.seed).fit(snapshot)
    sources = CandidateSources(config.candidates, seed=config.seed).fit(snapshot, featurizer.embeddings)
    new = log_.new_follows(start, end)
    new = new.assign(viewer=snapshot.index_of(new.account_id), target=snapshot.index_of(new.target_account_id))
    new = new[(new.viewer >= 0) & (new.target >= 0)]
    positives = {int(v): set(g.target.tolist()) for v, g in new.groupby("viewer")}
    viewers = np.array(sorted(positives), dtype=np.int64)
    if len(viewers) > config.max_viewers:
        viewers = np.sort(np.random.default_rng(config.seed).choice(viewers, config.max_viewers, replace=False))
    pair_viewers, pair_candidates, labels, following = [], [], [], {}
    for viewer in viewers.tolist():
        follows = snapshot.following_of(viewer)
        following[viewer] = follows
        found = sources(viewer, follows, follows).index
        pair_viewers.append(np.full(len(found), viewer))
        pair_candidates.append(found)
        labels.append(np.isin(found, list(positives[viewer])).astype(np.int8))
    pair_viewers = np.concatenate(pair_viewers or [np.zeros(0, np.int64)])
    pair_candidates = np.concatenate(pair_candidates or [np.zeros(0, np.int64)])
    x, names = featurizer.transform(pair_viewers, pair_candidates)
    return Window(featurizer, sources, pair_viewers, pair_candidates,
                  np.concatenate(labels or [np.zeros(0, np.int8)]), x, names,
                  {v: positives[v] for v in viewers.tolist()}, following)


def fit_classifier(train: Window, config: SuggestTrainConfig):
    from sklearn.ensemble import HistGradientBoostingClassifier

    y = train.labels
    if y.sum() < 10 or y.sum() == len(y):
        raise ValueError(f"only {int(y.sum())} of {len(y)} training candidates were followed: "
                         "the lake needs more follows over time to learn from")
    monotone = MONOTONE_INCREASING | MONOTONE_DIRECTED
    classifier = HistGradientBoostingClassifier(
        max_iter=config.max_iter, learning_rate=config.learning_rate, max_leaf_nodes=config.max_leaf_nodes,
        min_samples_leaf=int(min(config.min_samples_leaf, max(5, len(y) // 50))),
        monotonic_cst=[1 if name in monotone else 0 for name in train.feature_names],
        early_stopping=len(y) >= 200, random_state=config.seed)
    return classifier.fit(train.x, y)


# ---------------------------------------------------------------------------- evaluation

def evaluate(evaluation: Window, scores: np.ndarray, ks: tuple[int, ...]) -> dict[str, float]:
    """AUC / AP over the candidate pairs and recall@k of each viewer's top k, for the model's
    ``scores`` and for the friends-of-friends baseline on the same split."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = evaluation.labels
    baseline_scores = evaluation.x[:, evaluation.feature_names.index("fof_adamic_adar")]
    out = {"val_auc": float(roc_auc_score(y, scores)),
           "val_average_precision": float(average_precision_score(y, scores)),
           "baseline_auc": float(roc_auc_score(y, baseline_scores)),
           "baseline_average_precision": float(average_precision_score(y, baseline_scores))}
    total = sum(len(p) for p in evaluation.positives.values())
    hits = {k: 0 for k in ks}
    baseline_hits = {k: 0 for k in ks}
    for viewer, wanted in evaluation.positives.items():
        mine = evaluation.viewers == viewer
        ranked = evaluation.candidates[mine][np.argsort(-scores[mine], kind="stable")]
        baseline = evaluation.sources.friends_of_friends_ranking(viewer, evaluation.following[viewer], max(ks))
        for k in ks:
            hits[k] += len(wanted.intersection(ranked[:k].tolist()))
            baseline_hits[k] += len(wanted.intersection(baseline[:k].tolist()))
    for k in ks:
        out[f"recall_at_{k}"] = hits[k] / max(total, 1)
        out[f"baseline_recall_at_{k}"] = baseline_hits[k] / max(total, 1)
    out["candidate_recall"] = float(y.sum()) / max(total, 1)
    out["eval_viewers"] = float(len(evaluation.positives))
    out["eval_positives"] = float(total)
    return out


def time_split(settings: Settings, config: SuggestTrainConfig = SuggestTrainConfig()):
    """(log, train window, evaluation window, classifier, metrics) on the lake's time split."""
    started = time.perf_counter()
    follow_log = FollowLog.from_lake(settings)
    t_train = follow_log.follow_time_quantile(config.train_quantile)
    t_eval = follow_log.follow_time_quantile(config.eval_quantile)
    train = window(follow_log, t_train, t_eval, config)
    evaluation = window(follow_log, t_eval, None, config)
    data_seconds = time.perf_counter() - started
    started = time.perf_counter()
    classifier = fit_classifier(train, config)
    metrics = evaluate(evaluation, classifier.predict_proba(evaluation.x)[:, 1], config.ks)
    metrics.update({"train_pairs": float(len(train.labels)), "train_positives": float(train.labels.sum()),
                    "eval_pairs": float(len(evaluation.labels)), "boosting_rounds": float(classifier.n_iter_),
                    "data_seconds": data_seconds, "fit_seconds": time.perf_counter() - started})
    log.info("time split: t_train %s, t_eval %s; %s", t_train, t_eval, metrics)
    return follow_log, (t_train, t_eval), evaluation, classifier, metrics


# ---------------------------------------------------------------------------- train + register

def train_suggest(settings: Settings, config: SuggestTrainConfig = SuggestTrainConfig()) -> TrainResult:
    import mlflow

    from models.registry import configure_mlflow, promote_if_not_worse

    configure_mlflow(EXPERIMENT, settings)
    follow_log, (t_train, t_eval), evaluation, classifier, metrics = time_split(settings, config)

    with mlflow.start_run() as run:
        mlflow.log_params({"t_train": t_train.isoformat(), "t_eval": t_eval.isoformat(),
                           **{k: str(v) for k, v in asdict(config).items()}})
        mlflow.log_metrics(metrics)
        mlflow.log_dict({"features": evaluation.feature_names}, "features.json")

        # the evaluated classifier over the graph as it stands now
        now = GraphSnapshot.from_log(follow_log)
        featurizer = FollowFeaturizer(config.features, seed=config.seed).fit(now)
        sources = CandidateSources(config.candidates, seed=config.seed).fit(now, featurizer.embeddings)
        suggester = FollowSuggester(featurizer, sources, classifier, evaluation.feature_names)
        champion_value = _champion_auc_on(settings, evaluation, config)
        with tempfile.TemporaryDirectory(prefix="agora-suggest-") as tmp:
            artifact_dir = suggester.save(Path(tmp) / ARTIFACT_KEY, {"metrics": metrics, "t_train": t_train,
                                                                     "t_eval": t_eval})
            info = mlflow.pyfunc.log_model(
                name="model", python_model=FollowSuggestPyfunc(), artifacts={ARTIFACT_KEY: str(artifact_dir)},
                registered_model_name=MODEL_NAME,
                pip_requirements=["scikit-learn", "faiss-cpu", "scipy", "numpy", "pandas", "mlflow"])
        version = str(info.registered_model_version)

        decision = promote_if_not_worse(MODEL_NAME, version, GATE_METRIC, metrics[GATE_METRIC],
                                        champion_value=champion_value)
        mlflow.set_tags({"registered_version": version, "promotion": decision.alias,
                         "gate_champion_version": str(decision.champion_version),
                         "gate_champion_value": str(decision.champion_value)})
    return TrainResult(version, decision.alias, decision.promoted, metrics, decision.champion_version,
                       decision.champion_value, run.info.run_id)


def _champion_auc_on(settings: Settings, evaluation: Window, config: SuggestTrainConfig) -> float | None:
    """The current champion's classifier re-scored on this evaluation's pairs (None: no
    champion, or other features -- then the gate uses its logged AUC)."""
    from mlflow.exceptions import MlflowException

    from models.suggest.suggester import load_registered

    try:
        champion, _ = load_registered(settings)
    except MlflowException:
        return None
    if champion.feature_names != evaluation.feature_names:
        return None
    return evaluate(evaluation, champion.classifier.predict_proba(evaluation.x)[:, 1], config.ks)[GATE_METRIC]
