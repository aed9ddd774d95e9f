"""The moderation classifier end to end, for real: ``agora moderation train`` on a small
stratified slice of the Davidson et al. (2017) tweets, ``evaluate --json``, the registry
aliases and the promotion gate. No mocks; ~1 minute on 2 CPU cores."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agora.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The real public data sets, found as the notebooks find them (``notebooks/run.py``).
DATA_DIR = Path(os.environ.get("AGORA_DATA_DIR", REPO_ROOT.parent / "shared/data"))
DAVIDSON = DATA_DIR / "davidson2017/train.csv"

pytestmark = pytest.mark.skipif(not DAVIDSON.is_file(), reason=f"Davidson 2017 CSV not found at {DAVIDSON}")


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory) -> Path:
    """200 rows, stratified and seeded, written in the original format (quotes, newlines and all)."""
    from sklearn.model_selection import train_test_split

    frame = pd.read_csv(DAVIDSON, index_col=0)
    subset, _ = train_test_split(frame, train_size=200, stratify=frame["class"], random_state=0)
    path = tmp_path_factory.mktemp("davidson") / "small.csv"
    subset.to_csv(path)
    return path


def test_load_csv_and_split_are_stratified_and_deterministic(small_csv):
    from models.moderation.data import LABELS, load_csv, normalize_text, stratified_split

    frame = load_csv(small_csv)
    assert len(frame) == 200 and set(frame["label"]) == {0, 1, 2} and LABELS == ("hate", "offensive", "neither")
    first, again = stratified_split(frame, 0.15, 13), stratified_split(frame, 0.15, 13)
    assert list(first.val.index) == list(again.val.index)
    assert not set(first.val.index) & set(first.train.index)
    assert len(first.val) == 30 and np.bincount(first.val["label"], minlength=3).min() >= 1
    assert normalize_text("RT @someone: a &amp; b\n http://t.co/x") == "RT @user: a & b http"


def test_vote_targets_are_annotator_shares_or_one_hot(small_csv):
    from models.moderation.data import VOTE_COLUMNS, load_csv, vote_targets

    frame = load_csv(small_csv)
    shares = vote_targets(frame)
    votes = frame[list(VOTE_COLUMNS)].to_numpy(float)
    assert np.allclose(shares, votes / frame[["count"]].to_numpy(float))
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert (shares.argmax(axis=1) == frame["label"].to_numpy()).mean() > 0.95  # the label is the majority vote
    without_votes = vote_targets(frame.drop(columns=list(VOTE_COLUMNS)))
    assert np.array_equal(without_votes, np.eye(3)[frame["label"].to_numpy()])


def test_hate_f1_offsets_keep_the_weighted_f1_floor():
    from models.moderation.evaluate import classification_metrics
    from models.moderation.train import WEIGHTED_F1_FLOOR, tune_log_prior

    rng = np.random.default_rng(0)
    labels = rng.choice(3, size=3000, p=[0.06, 0.77, 0.17])
    margin = np.array([1.5, 2.6, 2.6])[labels]  # a noisy classifier, weakest on hate
    logits = np.eye(3)[labels] * margin[:, None] + rng.normal(0.0, 1.0, size=(3000, 3))
    scored = {}
    for objective in ("gate", "hate-f1"):
        offset, _ = tune_log_prior(logits, labels, objective=objective)
        scored[objective] = classification_metrics(labels, (logits + offset).argmax(axis=1))
    assert scored["hate-f1"]["weighted_f1"] >= WEIGHTED_F1_FLOOR
    assert scored["hate-f1"]["per_class"]["hate"]["f1"] > scored["gate"]["per_class"]["hate"]["f1"]
    assert scored["hate-f1"]["weighted_f1"] < scored["gate"]["weighted_f1"]  # what it pays for that


def test_layer_decay_gives_each_layer_its_rate_below_the_one_above():
    from transformers import AutoModel

    from models.moderation.model import ModerationClassifier
    from models.moderation.train import TrainConfig, _parameter_groups, base_model_path

    encoder = AutoModel.from_pretrained(base_model_path(), local_files_only=True)
    model = ModerationClassifier(encoder, encoder.config.hidden_size)
    layers = encoder.config.num_hidden_layers

    def rates(decay: float) -> dict[str, float]:
        groups = _parameter_groups(model, TrainConfig(data=Path("x.csv"), lr=1e-4, head_lr=1e-3, layer_decay=decay))
        by_param = {id(p): group["lr"] for group in groups for p in group["params"]}
        return {name: by_param[id(p)] for name, p in model.named_parameters()}

    flat, decayed = rates(1.0), rates(0.8)
    assert set(flat) == {name for name, _ in model.named_parameters()}    # every parameter, once
    assert {lr for name, lr in flat.items() if name.startswith("encoder.")} == {1e-4}
    assert decayed[f"encoder.encoder.layer.{layers - 1}.output.dense.weight"] == pytest.approx(1e-4)
    assert decayed["encoder.encoder.layer.0.output.dense.weight"] == pytest.approx(1e-4 * 0.8 ** (layers - 1))
    assert decayed["encoder.embeddings.word_embeddings.weight"] == pytest.approx(1e-4 * 0.8 ** layers)
    assert decayed["head.weight"] == flat["head.weight"] == 1e-3


def test_train_evaluate_and_gate(agora_home, small_csv, tmp_path, capsys):
    from mlflow import MlflowClient

    from models.moderation.classifier import MODEL_NAME, TextModerator
    from models.moderation.evaluate import GATE_METRIC
    from models.registry import CHALLENGER, CHAMPION, champion_uri, configure_mlflow, promote_if_not_worse

    val_csv = tmp_path / "val.csv"
    assert main(["moderation", "train", "--data", str(small_csv), "--max-rows", "96", "--epochs", "1", "--max-length", "48",
                 "--ensemble-size", "1", "--no-progress", "--val-out", str(val_csv)]) == 0
    assert "moderation-text v1 -> @champion" in capsys.readouterr().out

    configure_mlflow("moderation")
    client = MlflowClient()
    assert str(client.get_model_version_by_alias(MODEL_NAME, CHAMPION).version) == "1"
    run = client.get_run(client.get_model_version(MODEL_NAME, "1").run_id)
    for key in ("val_weighted_f1", "val_macro_f1", "val_hate_f1", "val_hate_precision", "val_hate_recall",
                GATE_METRIC, "val_crossfit_weighted_f1", "train_seconds"):
        assert key in run.data.metrics
    assert run.data.params["epochs"] == "1" and run.data.params["n_train"] == "96"
    assert run.data.params["soft_labels"] == "True" and "ngram_weight" in run.data.params
    for key in ("val_encoder_crossfit_hate_f1", "val_ngram_crossfit_hate_f1", "ngram_fit_seconds"):
        assert key in run.data.metrics

    # evaluate --json: exactly one JSON object on stdout, scored by the champion.
    assert main(["moderation", "evaluate", "--data", str(val_csv), "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    result = json.loads(out)
    assert result["model"] == "moderation-text/1"
    for key in ("weighted_f1", "macro_f1"):
        assert 0.0 <= result[key] <= 1.0
    assert set(result["per_class"]) == {"hate", "offensive", "neither"}
    for values in result["per_class"].values():
        assert set(values) >= {"precision", "recall", "f1"}
    # The validation rows evaluated through the registry give the training run's own figures.
    assert result["weighted_f1"] == pytest.approx(run.data.metrics["val_weighted_f1"], abs=1e-5)
    assert result["per_class"]["hate"]["f1"] == pytest.approx(run.data.metrics["val_hate_f1"], abs=1e-5)

    # TextModerator: per-class probabilities from the champion URI alone.
    moderator = TextModerator.load(champion_uri(MODEL_NAME))
    probs = moderator.predict_proba(["have a nice day", "RT @x: some text &amp; more"])
    assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # The n-gram member travels inside the registered model; its weight comes from the run.
    assert moderator.ngram is not None
    assert moderator.ngram_weight == pytest.approx(float(run.data.params["ngram_weight"]))

    # A second, smaller training, an ensemble of two encoders: the gate compares both models on
    # the same validation rows.
    assert main(["moderation", "train", "--data", str(small_csv), "--max-rows", "32", "--epochs", "1", "--max-length", "48",
                 "--ensemble-size", "2", "--no-progress", "--seed", "1"]) == 0
    capsys.readouterr()
    v2 = client.get_model_version(MODEL_NAME, "2")
    run2 = client.get_run(v2.run_id)
    # Both members travel inside the registered model, and it reproduces the run's figures.
    ensemble = TextModerator.load(f"models:/{MODEL_NAME}/2")
    assert len(ensemble.model.members) == 2 and ensemble.config["members"] == 2
    assert main(["moderation", "evaluate", "--data", str(val_csv), "--model", f"models:/{MODEL_NAME}/2", "--json"]) == 0
    result2 = json.loads(capsys.readouterr().out)
    assert result2["model"] == "moderation-text/2"
    assert result2["weighted_f1"] == pytest.approx(run2.data.metrics["val_weighted_f1"], abs=1e-5)
    champion_value = float(run2.data.tags["gate_champion_value"])
    expected = CHAMPION if run2.data.metrics[GATE_METRIC] >= champion_value else CHALLENGER
    assert v2.tags["promotion"] == expected
    champion = str(client.get_model_version_by_alias(MODEL_NAME, CHAMPION).version)
    assert champion == ("2" if expected == CHAMPION else "1")

    # The gate keeps a worse model as challenger and leaves the champion alone ...
    loser = "1" if champion == "2" else "2"
    champ_logged = client.get_run(client.get_model_version(MODEL_NAME, champion).run_id).data.metrics[GATE_METRIC]
    decision = promote_if_not_worse(MODEL_NAME, loser, GATE_METRIC, champ_logged - 0.05)
    assert not decision.promoted and str(decision.champion_version) == champion
    assert str(client.get_model_version_by_alias(MODEL_NAME, CHALLENGER).version) == loser
    assert str(client.get_model_version_by_alias(MODEL_NAME, CHAMPION).version) == champion
    # ... and promotes one that is not worse (ties go to the newcomer).
    assert promote_if_not_worse(MODEL_NAME, loser, GATE_METRIC, 0.5, champion_value=0.5).promoted
    assert str(client.get_model_version_by_alias(MODEL_NAME, CHAMPION).version) == loser


def test_masking_picks_only_real_tokens_in_berts_proportions():
    import torch
    from transformers import AutoTokenizer

    from models.moderation.adapt import mask_tokens
    from models.moderation.train import pad_batch, base_model_path

    tokenizer = AutoTokenizer.from_pretrained(base_model_path(), local_files_only=True)
    ids = tokenizer(["some words in a tweet that goes on for a while"] * 200 + ["short"] * 200)["input_ids"]
    input_ids, attention_mask = pad_batch(ids, tokenizer.pad_token_id)
    special = torch.isin(input_ids, torch.tensor(tokenizer.all_special_ids))
    corrupted, labels = mask_tokens(input_ids, attention_mask, special, tokenizer, 0.15,
                                    torch.Generator().manual_seed(0))
    chosen = labels != -100
    assert not (chosen & (special | ~attention_mask.bool())).any()     # never [CLS], [SEP] or padding
    assert torch.equal(labels[chosen], input_ids[chosen])                # the label is the original token
    assert torch.equal(corrupted[~chosen], input_ids[~chosen])           # the rest is untouched
    real = attention_mask.bool() & ~special
    assert chosen.sum() / real.sum() == pytest.approx(0.15, abs=0.02)
    masked = (corrupted[chosen] == tokenizer.mask_token_id).float().mean()
    assert masked == pytest.approx(0.8, abs=0.05)


def test_adapt_then_fine_tune_the_adapted_encoder(agora_home, small_csv, tmp_path, capsys):
    """``adapt`` reads only the training part of the split, changes the encoder, and ``train
    --base-model`` fine-tunes what it wrote."""
    from mlflow import MlflowClient
    from safetensors.numpy import load_file

    from models.moderation.classifier import MODEL_NAME
    from models.moderation.train import base_model_path

    out = tmp_path / "adapted"
    assert main(["moderation", "adapt", "--data", str(small_csv), "--out", str(out), "--epochs", "1",
                 "--no-progress"]) == 0
    assert "170 training tweets" in capsys.readouterr().out        # 200 rows less the 15% validation split

    def word_embeddings(directory) -> np.ndarray:
        weights = load_file(str(Path(directory) / "model.safetensors"))
        return next(w for name, w in weights.items() if name.endswith("word_embeddings.weight"))

    assert not np.allclose(word_embeddings(base_model_path()), word_embeddings(out))

    assert main(["moderation", "train", "--data", str(small_csv), "--base-model", str(out), "--max-rows", "32",
                 "--max-length", "48", "--no-ngram", "--no-progress"]) == 0
    assert "moderation-text v1 -> @champion" in capsys.readouterr().out
    client = MlflowClient()
    run = client.get_run(client.get_model_version(MODEL_NAME, "1").run_id)
    assert run.data.params["base_model"] == str(out)
