from __future__ import annotations

from datetime import UTC

import numpy as np
import pandas as pd

from platform_api.feed import features as F


def epoch_seconds(times) -> np.ndarray:
    """Datetimes (naive ones are UTC, as the database keeps them) → epoch seconds, in one pass;
    ``pd.to_datetime`` on aware datetime objects took ~1 ms per 500."""
    return np.fromiter(((t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp() for t in times),
                       dtype=np.float64, count=len(times))


def candidate_frame(rows, source: str) -> pd.DataFrame:
    """Rows of (status_id, author_id, created_at datetime, context), or a frame with those columns,
    → the candidate columns."""
    if not len(rows):
        return pd.DataFrame(columns=list(F.CANDIDATE_COLUMNS))
    if isinstance(rows, pd.DataFrame):
        status_ids, author_ids, context = rows[F.STATUS_ID], rows[F.AUTHOR_ID], rows[F.CONTEXT]
        seconds = _column_epoch_seconds(rows[F.CREATED_AT])
    else:
        status_ids, author_ids, created, context = zip(*rows)
        seconds = epoch_seconds(created)
    return pd.DataFrame({F.STATUS_ID: np.asarray(status_ids, dtype=np.int64),
                         F.AUTHOR_ID: np.asarray(author_ids, dtype=np.int64),
                         F.CREATED_AT: seconds, F.SOURCE: source, F.CONTEXT: np.asarray(context, dtype=object)})


def _column_epoch_seconds(created: pd.Series) -> np.ndarray:
    """A frame's created_at column (datetime64, naive = UTC, or datetime objects) → epoch seconds."""
    if not pd.api.types.is_datetime64_any_dtype(created):
        return epoch_seconds(created.tolist())
    aware = created.dt.tz_localize(UTC) if created.dt.tz is None else created
    return aware.astype("int64").to_numpy(np.float64) / 1e9
