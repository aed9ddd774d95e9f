"""Word and character n-gram TF-IDF logistic regression: the paper's kind of model, and the second
member of the ``moderation-text`` ensemble.

The fine-tuned encoder sees subword pieces; the n-gram model sees exact spellings (slur variants,
hashtags, elongations) and is cheap (well under 1 ms per post). Their errors differ, so adding the
n-gram log-probabilities to the encoder's logits helps the hate/offensive boundary.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


class NgramClassifier:
    """TF-IDF (word 1–3-grams + character 2–5-grams within word boundaries) → multinomial
    logistic regression trained on soft targets (annotator vote shares).

    scikit-learn's ``LogisticRegression`` takes hard labels only, so each row is repeated once per
    class with its vote share as sample weight: the weighted log-loss is then exactly the
    cross-entropy against the vote distribution.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 2000):
        self.C = C
        self.max_iter = max_iter

    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_union

        return make_union(
            TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True, max_features=200_000),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                            max_features=300_000))

    def fit(self, texts: Sequence[str], targets: np.ndarray) -> "NgramClassifier":
        """``targets``: (n, k) class distributions (one-hot rows work too)."""
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression

        targets = np.asarray(targets, dtype=float)
        n, k = targets.shape
        self.vectorizer_ = self._vectorizer()
        features = self.vectorizer_.fit_transform(list(texts))  # idf from each text once
        repeated = sp.vstack([features] * k).tocsr()
        classes = np.repeat(np.arange(k), n)
        weights = targets.T.reshape(-1)
        keep = weights > 0
        self.model_ = LogisticRegression(C=self.C, max_iter=self.max_iter)
        self.model_.fit(repeated[keep], classes[keep], sample_weight=weights[keep])
        self.n_classes_ = k
        return self

    def log_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, k) log-probabilities, columns in class-id order (a class never seen gets -inf-ish)."""
        out = np.full((len(texts), self.n_classes_), -20.0)
        if len(texts):
            out[:, self.model_.classes_] = self.model_.predict_log_proba(self.vectorizer_.transform(list(texts)))
        return out
