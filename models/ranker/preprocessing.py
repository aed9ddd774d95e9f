"""Feature columns → the ranker's input matrix. Fitted on the training split, saved with the
model, and imported by serving: the same code turns Feast's historical frame (training) and
its online response (serving) into tensors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np


def is_log_scaled(name: str) -> bool:
    """Counts (and decayed counts, ages) are heavy-tailed: log1p them. Rates and logs stay as they are."""
    return not (name.endswith("_rate") or name.startswith("log_"))


@dataclass
class FeaturePreprocessor:
    feature_names: list[str]
    log_features: list[str]
    mean: list[float]
    std: list[float]

    @classmethod
    def fit(cls, columns: Mapping[str, Sequence], feature_names: Sequence[str]) -> FeaturePreprocessor:
        names = list(feature_names)
        unscaled = cls(names, [n for n in names if is_log_scaled(n)], [0.0] * len(names), [1.0] * len(names))
        x = unscaled.transform(columns)
        std = x.std(axis=0)
        std[std < 1e-6] = 1.0  # a constant column (e.g. no hides yet) must not divide by zero
        return cls(names, unscaled.log_features, x.mean(axis=0).tolist(), std.tolist())

    def transform(self, columns: Mapping[str, Sequence]) -> np.ndarray:
        """``columns``: a DataFrame or a dict of equal-length lists (Feast's ``to_dict()``).
        Missing values (no snapshot yet) mean "no history" and become 0 before scaling."""
        logged = set(self.log_features)
        matrix = np.empty((len(columns[self.feature_names[0]]), len(self.feature_names)), dtype=np.float64)
        for j, name in enumerate(self.feature_names):
            values = np.asarray(_as_float(columns[name]), dtype=np.float64)
            values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
            matrix[:, j] = np.log1p(np.clip(values, 0.0, None)) if name in logged else values
        matrix -= np.asarray(self.mean)
        matrix /= np.asarray(self.std)
        return matrix.astype(np.float32)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FeaturePreprocessor:
        return cls(**data)


def _as_float(values):
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":  # serving's columns: NaN is missing already
        return values
    to_numpy = getattr(values, "to_numpy", None)
    if to_numpy is not None:  # pandas: nullable ints → float with NaN
        return to_numpy(dtype=np.float64, na_value=np.nan)
    return [np.nan if v is None else v for v in values]
