from __future__ import annotations

import pandas as pd

from platform_api.feed import features as F

EPOCH = pd.Timestamp(0, tz="UTC")


def candidate_frame(rows, source: str) -> pd.DataFrame:
    """Rows of (status_id, author_id, created_at datetime, context), or a frame with those columns,
    → the candidate columns."""
    frame = pd.DataFrame(rows, columns=[F.STATUS_ID, F.AUTHOR_ID, F.CREATED_AT, F.CONTEXT])
    if frame.empty:
        return pd.DataFrame(columns=list(F.CANDIDATE_COLUMNS))
    frame[F.CREATED_AT] = (pd.to_datetime(frame[F.CREATED_AT], utc=True) - EPOCH).dt.total_seconds()
    frame[F.SOURCE] = source
    return frame[list(F.CANDIDATE_COLUMNS)]
