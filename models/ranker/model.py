"""The home-feed ranker: an MLP over standardised features predicting P(like). No I/O here:
data lives in ``dataset.py``, the loop in ``train.py``, packaging in ``predictor.py``."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class RankerConfig:
    n_features: int = 0              # set from the feature service when training starts
    hidden: tuple[int, ...] = (64, 32)
    dropout: float = 0.1
    # Training knobs live with the model so a checkpoint says how it was made.
    lr: float = 3e-3
    weight_decay: float = 1e-4
    batch_size: int = 512
    epochs: int = 8
    seed: int = 0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> RankerConfig:
        data = dict(data)
        data["hidden"] = tuple(data.get("hidden", cls.hidden))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class Ranker(nn.Module):
    """Standardised features in, one logit out (``torch.sigmoid`` of it is P(like))."""

    def __init__(self, config: RankerConfig):
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        width = config.n_features
        for size in config.hidden:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(config.dropout)]
            width = size
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.forward(x))
