"""The moderation classifier: a sentence encoder, mean pooling and a linear head, alone or as an
ensemble of such members. No I/O here."""

from __future__ import annotations

import torch
from torch import nn


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average the token vectors that are not padding (how all-MiniLM-L6-v2 was trained)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


class ModerationClassifier(nn.Module):
    """``encoder`` is any Hugging Face encoder (``AutoModel``) whose output has ``last_hidden_state``."""

    def __init__(self, encoder: nn.Module, hidden_size: int, num_labels: int = 3, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, num_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Raw logits, shape (batch, num_labels)."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.head(self.dropout(mean_pool(hidden, attention_mask)))


class EncoderEnsemble(nn.Module):
    """Several ``ModerationClassifier`` members (fine-tuned from the same base with different seeds);
    the logits are their mean. Seeds differ in head initialisation, dropout and batch order, and
    their errors partly cancel."""

    def __init__(self, members: list[ModerationClassifier]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return torch.stack([member(input_ids, attention_mask) for member in self.members]).mean(dim=0)
