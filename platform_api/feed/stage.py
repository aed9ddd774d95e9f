from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class FilterResult:
    kept: pd.DataFrame
    removed: pd.DataFrame


class StageFailed(RuntimeError):
    """A stage could not do its job; the pipeline falls back to the chronological order."""
