"""Text moderation: a MiniLM classifier for hate speech / offensive language / neither.

``data`` (CSV, labels, splits), ``model`` (nn.Module), ``train`` (loop + MLflow + gate),
``classifier`` (``TextModerator``, what serving calls), ``evaluate`` (metrics).
Heavy dependencies (torch, transformers, mlflow) are imported by the submodules, not here.
"""

#: The validation split ``train`` cuts from the CSV (and ``baseline`` too, so both score the same
#: rows). Here, not in ``data``, so the CLI reads them without loading pandas.
DEFAULT_VAL_FRACTION = 0.15
DEFAULT_SPLIT_SEED = 13
