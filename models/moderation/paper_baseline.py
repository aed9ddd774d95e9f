"""The paper's own model, re-implemented, so its figures can be measured on *our* split.

Davidson et al. (2017) report hate F1 0.51 for a logistic regression on their features, scored on
a 10% split of the full 24,783 tweets. Those rows are not ours (part of the data set is held out
from this project), so the only like-for-like comparison is their method trained and scored on the
same split as ``moderation-text``. As the paper describes it:

* TF-IDF of word 1–3-grams over Porter-stemmed, lower-cased, letters-only tokens (URLs and
  mentions removed, stop words and "rt" dropped; raw counts × idf, no normalisation);
* tweet-level features: Flesch–Kincaid grade and reading ease, syllables, characters, words and
  unique words, VADER sentiment (neg / pos / neu / compound), hashtag / mention / URL counts and
  a retweet flag;
* L1-regularised logistic regression (C=0.01, class-balanced) to select features, then an
  L2 logistic regression (class-balanced) on the survivors, one-vs-rest; plain argmax.

One part is left out: the POS-tag n-grams need NLTK's tagger data, which is downloaded at run
time and cannot be here. Everything else is this module's own code, not the authors'.
"""

from __future__ import annotations

import re
import warnings
from typing import Sequence

import numpy as np

_SPACE = re.compile(r"\s+")
_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@[\w\-]+")
_HASHTAG = re.compile(r"#[\w\-]+")
_NOT_LETTERS = re.compile(r"[^a-zA-Z]+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_WORDS = re.compile(r"[a-z]+")


def strip_urls_and_mentions(tweet: str) -> str:
    return _MENTION.sub("", _URL.sub("", _SPACE.sub(" ", tweet)))


def syllables(text: str) -> int:
    """Vowel groups per word (at least one): the usual heuristic, close enough for readability."""
    return sum(max(1, len(_VOWEL_GROUPS.findall(word))) for word in _WORDS.findall(text.lower()))


class TweetStatistics:
    """The 17 tweet-level features: readability, lengths, sentiment, Twitter objects."""

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._sentiment = SentimentIntensityAnalyzer()

    def row(self, tweet: str) -> list[float]:
        text = strip_urls_and_mentions(tweet)
        words = text.split()
        n_words, n_syllables = len(words), syllables(text)
        per_word = (n_syllables + 0.001) / (n_words + 0.001)
        sentiment = self._sentiment.polarity_scores(tweet)
        spaced = _SPACE.sub(" ", tweet)
        return [0.39 * n_words + 11.8 * per_word - 15.59,        # Flesch–Kincaid grade (one sentence)
                206.835 - 1.015 * n_words - 84.6 * per_word,    # Flesch reading ease
                n_syllables, per_word, sum(len(w) for w in words), len(tweet), len(tweet.split()),
                n_words, len(set(words)),
                sentiment["neg"], sentiment["pos"], sentiment["neu"], sentiment["compound"],
                len(_HASHTAG.findall(spaced)), len(_MENTION.findall(spaced)), len(_URL.findall(spaced)),
                float("rt" in tweet.lower().split())]

    def matrix(self, tweets: Sequence[str]) -> np.ndarray:
        return np.array([self.row(t) for t in tweets], dtype=float)


class PaperBaseline:
    """fit(tweets, labels) / predict(tweets) on raw tweets (the model does its own preprocessing)."""

    name = "davidson2017-logreg"

    def fit(self, tweets: Sequence[str], labels: np.ndarray) -> "PaperBaseline":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
        from sklearn.feature_selection import SelectFromModel
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import Pipeline

        from nltk.stem.porter import PorterStemmer

        stem = PorterStemmer().stem
        self._stats = TweetStatistics()
        self._vectorizer = TfidfVectorizer(
            preprocessor=strip_urls_and_mentions,
            tokenizer=lambda text: [stem(w) for w in _NOT_LETTERS.sub(" ", text.lower()).split()],
            token_pattern=None, ngram_range=(1, 3), stop_words=sorted(ENGLISH_STOP_WORDS | {"rt", "ff"}),
            smooth_idf=False, norm=None, min_df=5, max_df=0.75, max_features=10_000)
        with warnings.catch_warnings():
            # The stop words are matched against stemmed tokens ("becaus" survives), as in the paper.
            warnings.filterwarnings("ignore", message="Your stop_words may be inconsistent")
            features = self._features(tweets, fit=True)
        self._model = Pipeline([
            ("select", SelectFromModel(OneVsRestClassifier(_logistic(l1_ratio=1.0, C=0.01)), threshold=1e-5,
                                       importance_getter=_summed_abs_coefficients)),
            ("model", OneVsRestClassifier(_logistic(l1_ratio=0.0, C=1.0))),
        ]).fit(features, np.asarray(labels, dtype=int))
        return self

    def predict(self, tweets: Sequence[str]) -> np.ndarray:
        return self._model.predict(self._features(tweets, fit=False))

    def _features(self, tweets: Sequence[str], fit: bool):
        import scipy.sparse as sp

        tweets = [str(t) for t in tweets]
        ngrams = self._vectorizer.fit_transform(tweets) if fit else self._vectorizer.transform(tweets)
        return sp.hstack([ngrams, sp.csr_matrix(self._stats.matrix(tweets))]).tocsr()


def _logistic(l1_ratio: float, C: float):
    from sklearn.linear_model import LogisticRegression

    # liblinear: the solver the paper's scikit-learn used for both penalties (binary, hence one-vs-rest).
    return LogisticRegression(l1_ratio=l1_ratio, C=C, class_weight="balanced", solver="liblinear", max_iter=1000)


def _summed_abs_coefficients(model) -> np.ndarray:
    """A feature survives the L1 step if any one-vs-rest model gives it a non-zero weight."""
    return np.abs(np.vstack([member.coef_ for member in model.estimators_])).sum(axis=0)


def evaluate_on_split(path, val_fraction: float, split_seed: int) -> dict:
    """Train on the training part of the stratified split ``moderation-text`` uses and score the
    validation part → the ``evaluate --json`` object (``model`` names this baseline)."""
    from models.moderation.data import class_counts, load_csv, stratified_split
    from models.moderation.evaluate import classification_metrics, report

    split = stratified_split(load_csv(path), val_fraction, split_seed)
    model = PaperBaseline().fit(split.train["tweet"].tolist(), split.train["label"].to_numpy())
    predictions = model.predict(split.val["tweet"].tolist())
    result = report(classification_metrics(split.val["label"].to_numpy(), predictions), PaperBaseline.name)
    result["split"] = {"seed": split_seed, "val_fraction": val_fraction,
                       "train_rows": len(split.train), "val_class_counts": class_counts(split.val["label"])}
    return result
