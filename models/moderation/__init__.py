"""Text moderation: a MiniLM classifier for hate speech / offensive language / neither.

``data`` (CSV, labels, splits), ``model`` (nn.Module), ``train`` (loop + MLflow + gate),
``classifier`` (``TextModerator``, what serving calls), ``evaluate`` (metrics).
Heavy dependencies (torch, transformers, mlflow) are imported by the submodules, not here.
"""

LABELS = ("hate", "offensive", "neither")
MODEL_NAME = "moderation-text"
