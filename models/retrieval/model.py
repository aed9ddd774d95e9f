"""The two-tower retrieval model. No I/O here: data lives in ``dataset.py``, the loop in
``train.py``, packaging in ``predictor.py``.

- post tower: MiniLM text vector (precomputed) + author embedding + mean of its hashtag
  embeddings → MLP → unit vector;
- viewer tower: viewer id embedding + mean MiniLM vector of the posts the viewer engaged with
  + mean embedding of those posts' authors → MLP → unit vector;
- score: cosine / temperature, trained with an in-batch softmax (every other post in the batch
  is a negative), so the index can search the post vectors by inner product.

Index 0 of every id vocabulary means "unknown" (new viewer, author or tag)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class TwoTowerConfig:
    text_dim: int = 384
    dim: int = 64                    # the index's vector size
    id_dim: int = 32
    hidden: int = 128
    n_viewers: int = 1               # vocabulary sizes, set from the data (index 0 = unknown)
    n_authors: int = 1
    n_tags: int = 1
    temperature: float = 0.05
    dropout: float = 0.1
    # Training knobs live with the model so a checkpoint says how it was made.
    lr: float = 3e-3
    weight_decay: float = 1e-5
    batch_size: int = 256
    epochs: int = 12
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TwoTowerConfig:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _mlp(width_in: int, config: TwoTowerConfig) -> nn.Sequential:
    return nn.Sequential(nn.Linear(width_in, config.hidden), nn.ReLU(), nn.Dropout(config.dropout),
                         nn.Linear(config.hidden, config.dim))


def bag_mean(embedding: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
    """Mean of the embeddings of each row's ids; 0 is padding and is left out."""
    mask = (ids > 0).unsqueeze(-1).float()
    return (embedding(ids) * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class TwoTower(nn.Module):
    def __init__(self, config: TwoTowerConfig):
        super().__init__()
        self.config = config
        self.viewer_ids = nn.Embedding(config.n_viewers, config.id_dim)
        self.author_ids = nn.Embedding(config.n_authors, config.id_dim, padding_idx=0)
        self.tag_ids = nn.Embedding(config.n_tags, config.id_dim, padding_idx=0)
        self.post_mlp = _mlp(config.text_dim + 2 * config.id_dim, config)
        self.viewer_mlp = _mlp(config.text_dim + 2 * config.id_dim, config)

    def post_vectors(self, text: torch.Tensor, author: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
        """text (B, 384), author (B,), tags (B, T) padded with 0 → (B, dim) unit vectors."""
        x = torch.cat([text, self.author_ids(author), bag_mean(self.tag_ids, tags)], dim=-1)
        return F.normalize(self.post_mlp(x), dim=-1)

    def viewer_vectors(self, viewer: torch.Tensor, history_text: torch.Tensor,
                       history_authors: torch.Tensor) -> torch.Tensor:
        """viewer (B,), history_text (B, 384) mean of engaged posts' text, history_authors (B, H)
        padded with 0 → (B, dim) unit vectors."""
        x = torch.cat([history_text, self.viewer_ids(viewer), bag_mean(self.author_ids, history_authors)], dim=-1)
        return F.normalize(self.viewer_mlp(x), dim=-1)

    def in_batch_loss(self, viewers: torch.Tensor, posts: torch.Tensor) -> torch.Tensor:
        """Softmax over the batch: row i's positive is post i, every other post a negative."""
        logits = viewers @ posts.T / self.config.temperature
        return F.cross_entropy(logits, torch.arange(len(viewers)))
