"""The platform's own follow graph, read from the event lake (never from the API's database:
data flows API → lake → models).

:class:`FollowLog` holds the follow / unfollow events, the engagements between accounts
(likes and replies) and the hashtags each account posted or liked, all with their times,
so that a *time split* can rebuild the graph as it was at any instant: older follows are
the train graph, newer follows the positives to predict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from agora.events import EventType
from agora.settings import Settings

_EVENTS = (EventType.FOLLOWED, EventType.UNFOLLOWED, EventType.FAVOURITED, EventType.REPLIED,
           EventType.STATUS_CREATED)
_COLUMNS = ["event_id", "event_type", "occurred_at", "actor_id", "status_id", "author_id", "target_account_id",
            "payload"]


@dataclass
class FollowLog:
    follow_events: pd.DataFrame   # account_id, target_account_id, occurred_at, followed (bool), event_id
    interactions: pd.DataFrame    # account_id, target_account_id, occurred_at (a like or a reply)
    tags: pd.DataFrame            # account_id, tag, occurred_at (a hashtag posted or liked)
    account_ids: np.ndarray       # every account seen, sorted

    @classmethod
    def from_lake(cls, settings: Settings) -> FollowLog:
        import pyarrow as pa
        import pyarrow.dataset as ds

        if not settings.events_dir.exists():
            raise FileNotFoundError(f"no event lake at {settings.events_dir}: run `agora pipeline export` first")
        dataset = ds.dataset(settings.events_dir, format="parquet", partitioning="hive")
        table = dataset.to_table(columns=_COLUMNS,
                                 filter=ds.field("event_type").isin([str(e) for e in _EVENTS]))
        # nullable ids must stay integers: as float64 (pandas' default with nulls) ids above 2**53 collide
        return cls.from_events(table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))

    @classmethod
    def from_events(cls, events: pd.DataFrame) -> FollowLog:
        events = events.sort_values(["occurred_at", "event_id"])
        kind = events["event_type"]
        follows = events[kind.isin([str(EventType.FOLLOWED), str(EventType.UNFOLLOWED)])]
        follow_events = pd.DataFrame({
            "account_id": follows["actor_id"].astype(np.int64).to_numpy(),
            "target_account_id": follows["target_account_id"].astype(np.int64).to_numpy(),
            "occurred_at": follows["occurred_at"].to_numpy(),
            "followed": (follows["event_type"] == str(EventType.FOLLOWED)).to_numpy(),
            "event_id": follows["event_id"].to_numpy()})
        engaged = events[kind.isin([str(EventType.FAVOURITED), str(EventType.REPLIED)]) & events["author_id"].notna()]
        interactions = pd.DataFrame({"account_id": engaged["actor_id"].astype(np.int64).to_numpy(),
                                     "target_account_id": engaged["author_id"].astype(np.int64).to_numpy(),
                                     "occurred_at": engaged["occurred_at"].to_numpy()})
        interactions = interactions[interactions.account_id != interactions.target_account_id]
        tags = _hashtags(events)
        ids = np.unique(np.concatenate([events["actor_id"].dropna().astype(np.int64).to_numpy(),
                                        follow_events["target_account_id"].to_numpy(),
                                        interactions["target_account_id"].to_numpy()]))
        return cls(follow_events, interactions, tags, ids)

    def follows_at(self, at: datetime | None = None) -> pd.DataFrame:
        """The follow edges standing at ``at`` (the last follow/unfollow event of a pair up to
        then was a follow), with the time of that follow: ``account_id, target_account_id, followed_at``."""
        events = self.follow_events if at is None else self.follow_events[self.follow_events.occurred_at <= at]
        last = events.drop_duplicates(["account_id", "target_account_id"], keep="last")
        last = last[last.followed & (last.account_id != last.target_account_id)]
        return pd.DataFrame({"account_id": last.account_id.to_numpy(),
                             "target_account_id": last.target_account_id.to_numpy(),
                             "followed_at": last.occurred_at.to_numpy()})

    def new_follows(self, after: datetime, until: datetime | None = None) -> pd.DataFrame:
        """Follows made in ``(after, until]`` that still stand at ``until`` and did not stand at
        ``after``: what a suggester at ``after`` should have predicted."""
        before = self.follows_at(after)
        later = self.follows_at(until)
        later = later[later.followed_at > after]
        known = pd.MultiIndex.from_frame(before[["account_id", "target_account_id"]])
        fresh = ~pd.MultiIndex.from_frame(later[["account_id", "target_account_id"]]).isin(known)
        return later[fresh].reset_index(drop=True)

    def follow_time_quantile(self, q: float) -> datetime:
        times = self.follow_events.loc[self.follow_events.followed, "occurred_at"]
        if times.empty:
            raise ValueError("the lake holds no account.followed events")
        return pd.Timestamp(times.quantile(q, interpolation="lower")).to_pydatetime()


def _hashtags(events: pd.DataFrame) -> pd.DataFrame:
    """Hashtags each account posted (``status.created`` payload ``tags``) or liked (the tags of
    the liked status, when its creation is in the lake)."""
    created = events[(events["event_type"] == str(EventType.STATUS_CREATED)) & events["payload"].notna()]
    status_tags = pd.DataFrame({
        "status_id": created["status_id"].to_numpy(), "account_id": created["actor_id"].to_numpy(),
        "occurred_at": created["occurred_at"].to_numpy(),
        "tag": [[str(t).lower() for t in json.loads(p).get("tags") or []] for p in created["payload"]]}
    ).explode("tag").dropna(subset=["tag"])
    liked = events[events["event_type"] == str(EventType.FAVOURITED)][["actor_id", "status_id", "occurred_at"]]
    liked_tags = liked.merge(status_tags[["status_id", "tag"]], on="status_id")
    return pd.concat([status_tags[["account_id", "tag", "occurred_at"]],
                      liked_tags.rename(columns={"actor_id": "account_id"})[["account_id", "tag", "occurred_at"]]],
                     ignore_index=True).astype({"account_id": np.int64})
