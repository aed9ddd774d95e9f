from __future__ import annotations

import numpy as np

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery


def balanced_order(score: np.ndarray, in_network: np.ndarray, max_share: float) -> np.ndarray:
    """Positions (0-based) of each item in the best-score order where no prefix of the feed is
    more than ``max_share`` out-of-network while in-network items remain.

    The j-th out-of-network item (by score) may not come before slot ⌈(j+1)/share⌉ − 1; its
    slot is the later of that and its natural slot (j + in-network items scoring above it);
    in-network items fill the remaining slots in score order. Vectorised, no loop."""
    order = np.argsort(-score, kind="stable")
    is_in = in_network[order]
    n_out, n_in = int((~is_in).sum()), int(is_in.sum())
    j = np.arange(n_out)
    in_above = np.cumsum(is_in)[~is_in]                       # in-network items scoring higher
    earliest = np.ceil((j + 1) / max_share).astype(np.int64) - 1 if max_share > 0 else np.full(n_out, 1 << 40)
    out_slot = np.maximum(j + in_above, np.minimum(earliest, j + n_in))   # no waiting for absent in-network items
    taken = np.zeros(n_out + n_in, dtype=bool)
    taken[out_slot] = True
    slots = np.empty(len(score), dtype=np.int64)
    slots[order[~is_in]] = out_slot
    slots[order[is_in]] = np.flatnonzero(~taken)[:n_in]
    return slots


class NetworkBalanceRescorer:
    """Caps the out-of-network share of every prefix of the feed at ``max_share`` (home-mixer's
    in/out-of-network balance). Scores are rewritten to a running minimum in the balanced order,
    so the response stays sorted by score and says how much each item was held back."""

    name = "network_balance"

    def __init__(self, max_share: float = 0.5):
        self.max_share = max_share

    def rescore(self, query: FeedQuery, candidates):
        if candidates.empty:
            return candidates.assign(**{F.IN_NETWORK: []})
        followees = query.followee_ids() | {query.viewer.id}
        in_network = candidates[F.AUTHOR_ID].isin(followees).to_numpy()
        slots = balanced_order(candidates[F.SCORE].to_numpy(dtype=float), in_network, self.max_share)
        ordered = candidates.assign(**{F.IN_NETWORK: in_network}).iloc[np.argsort(slots)]
        held = np.minimum.accumulate(ordered[F.SCORE].to_numpy(dtype=float))
        return ordered.assign(**{F.SCORE: held - np.arange(len(held)) * 1e-9})
