"""The home-feed ranker: a multi-task network over standardised features. A shared bottom
(optional DCN-v2 cross layers, off by default, then an MLP) feeds one logit per engagement head — P(like), P(reply),
P(repost), P(click), P(negative) — and the feed's score is Σ wᵢ·pᵢ with the weights in
:class:`RankerConfig`, shifted by the constant −Σ_{wᵢ<0} wᵢ so it is never negative (the feed's
heuristics discount by multiplying, which must push a post down, never up). No I/O here: data lives in ``dataset.py``, the loop in ``train.py``,
packaging in ``predictor.py``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from agora.events import ENGAGEMENT_HEADS

#: The heads, in output order (each engagement type of ``agora.events`` trains one of them).
HEADS: tuple[str, ...] = tuple(dict.fromkeys(ENGAGEMENT_HEADS.values()))

#: Twitter's published heavy-ranker weights (the-algorithm-ml, 2023), for reference: their
#: "profile click" is our click, "negative feedback v2" our negative (hide/report).
TWITTER_WEIGHTS: dict[str, float] = {"like": 0.5, "reply": 13.5, "repost": 1.0, "click": 12.0, "negative": -74.0}

#: Agora's weights (docs/models.md compares them with Twitter's). A like is the unit; a reply
#: costs the viewer more effort, so it weighs 2; a repost 1; a click (opening a post) is cheap
#: and common, 0.5. A hide or report weighs -5: on our worlds it is rare and its head is barely
#: learnable, so Twitter's -74 mostly adds that head's noise (measured on a tuning slice, the end
#: of the training period: NDCG@20 0.926 with these, 0.896 with -20, 0.912 with Twitter's; docs/models.md).
AGORA_WEIGHTS: dict[str, float] = {"like": 1.0, "reply": 2.0, "repost": 1.0, "click": 0.5, "negative": -5.0}


@dataclass
class RankerConfig:
    n_features: int = 0              # set from the feature service when training starts
    heads: tuple[str, ...] = HEADS
    head_weights: dict[str, float] = field(default_factory=lambda: dict(AGORA_WEIGHTS))
    # 0: the cross layer cost NDCG on the tuning slice (docs/models.md); kept configurable.
    cross_layers: int = 0
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
        data["hidden"], data["heads"] = list(self.hidden), list(self.heads)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> RankerConfig:
        data = dict(data)
        data["hidden"] = tuple(data.get("hidden", cls.hidden))
        data["heads"] = tuple(data.get("heads", HEADS))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def weight_vector(self) -> torch.Tensor:
        """The score weights in head order (a head without a configured weight counts 0)."""
        return torch.tensor([float(self.head_weights.get(h, 0.0)) for h in self.heads])


class CrossLayer(nn.Module):
    """DCN-v2: x_{l+1} = x_0 ⊙ (W x_l + b) + x_l — explicit feature crosses (e.g. topic match ×
    post quality) at the cost of one matrix product."""

    def __init__(self, width: int):
        super().__init__()
        self.linear = nn.Linear(width, width)

    def forward(self, x0: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return x0 * self.linear(x) + x


class Ranker(nn.Module):
    """Standardised features in, one logit per head out (shape ``(batch, len(heads))``)."""

    def __init__(self, config: RankerConfig):
        super().__init__()
        self.config = config
        self.cross = nn.ModuleList(CrossLayer(config.n_features) for _ in range(config.cross_layers))
        layers: list[nn.Module] = []
        width = config.n_features
        for size in config.hidden:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(config.dropout)]
            width = size
        self.deep = nn.Sequential(*layers)
        self.heads = nn.Linear(width, len(config.heads))  # all heads in one matmul
        self.register_buffer("weights", config.weight_vector(), persistent=False)
        self.offset = -float(self.weights.clamp(max=0).sum())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        crossed = x
        for layer in self.cross:
            crossed = layer(x, crossed)
        return self.heads(self.deep(crossed))

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """P(engagement) per row and head."""
        return torch.sigmoid(self.forward(x))

    @torch.no_grad()
    def score(self, probabilities: torch.Tensor) -> torch.Tensor:
        """The feed's ranking score: Σ wᵢ·pᵢ over the heads, plus the offset that keeps it ≥ 0."""
        return probabilities @ self.weights + self.offset
