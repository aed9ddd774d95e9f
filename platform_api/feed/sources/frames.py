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
        status_ids, author_ids, created, context = (rows[c] for c in (F.STATUS_ID, F.AUTHOR_ID, F.CREATED_AT,
                                                                       F.CONTEXT))
        created = (created.dt.tz_localize(UTC) if created.dt.tz is None else created).astype("int64") / 1e9 \
            if pd.api.types.is_datetime64_any_dtype(created) else created.tolist()
    else:
        status_ids, author_ids, created, context = zip(*rows)
    return pd.DataFrame({F.STATUS_ID: np.asarray(status_ids, dtype=np.int64),
                         F.AUTHOR_ID: np.asarray(author_ids, dtype=np.int64),
                         F.CREATED_AT: created.to_numpy(np.float64) if isinstance(created, pd.Series)
                         else epoch_seconds(created), F.SOURCE: source,
                         F.CONTEXT: np.asarray(context, dtype=object)})
