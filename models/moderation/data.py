"""Davidson et al. (ICWSM 2017) tweets: loading, label names, text normalisation, splits.

The CSV has an unnamed index, ``count``, ``hate_speech``, ``offensive_language``,
``neither``, ``class`` (0 hate, 1 offensive, 2 neither) and ``tweet``. Tweets contain
newlines, commas and doubled quotes, so it is read with pandas' CSV parser.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from agora.events import MODERATION_LABELS as LABELS
from models.moderation import DEFAULT_SPLIT_SEED, DEFAULT_VAL_FRACTION

HATE, OFFENSIVE, NEITHER = 0, 1, 2

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Undo HTML escaping (``&amp;``, ``&#128514;``), mask URLs and user handles, squeeze spaces.

    Handles carry no signal that generalises (and cost tokens); the words around them do.
    """
    text = html.unescape(str(text))
    text = _URL.sub("http", text)
    text = _MENTION.sub("@user", text)
    return _SPACE.sub(" ", text).strip()


def load_csv(path: str | Path) -> pd.DataFrame:
    """Read a Davidson-format CSV → its columns plus ``text`` (normalised tweet) and ``label`` (int)."""
    frame = pd.read_csv(path, index_col=0, keep_default_na=False, dtype={"tweet": str})
    missing = {"class", "tweet"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}; expected the Davidson 2017 format")
    labels = pd.to_numeric(frame["class"], errors="raise").astype(int)
    if not labels.isin(range(len(LABELS))).all():
        raise ValueError(f"{path}: 'class' must be 0 (hate), 1 (offensive) or 2 (neither)")
    out = frame.copy()  # the original columns are kept so a split can be written back unchanged
    out["tweet"] = frame["tweet"].astype(str)
    out["text"] = out["tweet"].map(normalize_text)
    out["label"] = labels.to_numpy()
    return out


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    val: pd.DataFrame


def stratified_split(frame: pd.DataFrame, val_fraction: float = DEFAULT_VAL_FRACTION,
                     seed: int = DEFAULT_SPLIT_SEED) -> Split:
    """Cut a stratified, seeded validation split. Deterministic for a given file and seed."""
    from sklearn.model_selection import train_test_split

    train_idx, val_idx = train_test_split(
        np.arange(len(frame)), test_size=val_fraction, random_state=seed,
        stratify=frame["label"].to_numpy())
    return Split(frame.iloc[np.sort(train_idx)], frame.iloc[np.sort(val_idx)])


def stratified_subsample(frame: pd.DataFrame, max_rows: int | None, seed: int) -> pd.DataFrame:
    """At most ``max_rows`` rows with the class mix preserved (every class keeps ≥ 1 row)."""
    if max_rows is None or max_rows >= len(frame):
        return frame
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(len(frame)), train_size=max_rows, random_state=seed,
                               stratify=frame["label"].to_numpy())
    return frame.iloc[np.sort(keep)]


VOTE_COLUMNS: tuple[str, ...] = ("hate_speech", "offensive_language", "neither")


def vote_targets(frame: pd.DataFrame) -> np.ndarray:
    """Per-row annotator vote shares (n, 3) in ``LABELS`` order, or one-hot labels when the
    CSV has no vote counts (or a row has none). The shares tell a 2-of-3 "hate" tweet from a
    unanimous one: the hate/offensive boundary is where annotators disagree most."""
    onehot = np.eye(len(LABELS))[frame["label"].to_numpy()]
    if not set(VOTE_COLUMNS) <= set(frame.columns):
        return onehot
    votes = frame[list(VOTE_COLUMNS)].apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy(float)
    totals = votes.sum(axis=1, keepdims=True)
    return np.where(totals > 0, votes / np.maximum(totals, 1.0), onehot)


def class_counts(labels) -> list[int]:
    return np.bincount(np.asarray(labels, dtype=int), minlength=len(LABELS)).tolist()
