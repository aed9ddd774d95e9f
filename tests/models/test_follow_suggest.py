"""The follow graph rebuilt from lake events at any instant, and the candidate sources on it
(small hand-made event logs; the trained model end to end is in tests/serving/test_suggest_service.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from agora.events import EventType
from models.suggest.candidates import (
    FRIENDS_OF_FRIENDS, MOST_INTERACTIONS, SIMILAR_TO_RECENTLY_FOLLOWED, CandidateConfig, CandidateSources,
)
from models.suggest.follow_features import FollowFeaturizer
from models.suggest.follow_log import FollowLog
from models.suggest.snapshot import GraphSnapshot

T0 = datetime(2026, 1, 1, tzinfo=UTC)
BIG = 117_675_027_832_612_736  # ids above 2**53, as the API mints them: must not collide as floats


def _events(rows) -> pd.DataFrame:
    out = []
    for i, (hours, kind, actor, target, extra) in enumerate(rows):
        out.append({"event_id": i + 1, "event_type": str(kind), "occurred_at": T0 + timedelta(hours=hours),
                    "actor_id": BIG + actor, "status_id": extra.get("status"),
                    "author_id": None if extra.get("author") is None else BIG + extra["author"],
                    "target_account_id": None if target is None else BIG + target,
                    "payload": json.dumps({"tags": extra["tags"]}) if "tags" in extra else None})
    nullable = ("status_id", "author_id", "target_account_id")  # as the lake reader types them: Int64
    frame = pd.DataFrame({k: v for k, v in pd.DataFrame(out).items() if k not in nullable})
    for column in nullable:
        frame[column] = pd.array([row[column] for row in out], dtype="Int64")
    return frame


F, U = EventType.FOLLOWED, EventType.UNFOLLOWED
LOG = FollowLog.from_events(_events([
    (1, F, 1, 2, {}), (1, F, 1, 3, {}), (2, F, 2, 4, {}), (2, F, 3, 4, {}), (2, F, 3, 5, {}),
    (3, F, 1, 6, {}), (4, U, 1, 6, {}),            # followed then unfollowed before t=5
    (6, F, 1, 4, {}), (7, F, 1, 6, {}),            # new follows after t=5
    (8, F, 5, 1, {}),                              # 5 follows 1, who does not follow back
    (2, EventType.STATUS_CREATED, 7, None, {"status": 70, "author": 7, "tags": ["Cats"]}),
    (3, EventType.FAVOURITED, 1, None, {"status": 70, "author": 7}),
    (3, EventType.STATUS_CREATED, 1, None, {"status": 71, "author": 1, "tags": ["cats"]}),
]))


def ids(*small):
    return [BIG + s for s in small]


def test_the_graph_at_an_instant_and_the_follows_made_after_it():
    at = T0 + timedelta(hours=5)
    pairs = lambda df: sorted(zip(df.account_id - BIG, df.target_account_id - BIG))  # noqa: E731
    assert pairs(LOG.follows_at(at)) == [(1, 2), (1, 3), (2, 4), (3, 4), (3, 5)]
    assert pairs(LOG.follows_at()) == [(1, 2), (1, 3), (1, 4), (1, 6), (2, 4), (3, 4), (3, 5), (5, 1)]
    assert pairs(LOG.new_follows(at)) == [(1, 4), (1, 6), (5, 1)]
    assert LOG.account_ids.tolist() == ids(1, 2, 3, 4, 5, 6, 7)


def test_snapshot_matrices_and_unknown_accounts():
    snapshot = GraphSnapshot.from_log(LOG, T0 + timedelta(hours=5))
    one, four, seven = snapshot.index_of(ids(1, 4, 7))
    assert snapshot.index_of([BIG + 99, 5]).tolist() == [-1, -1]
    assert snapshot.followers_count()[four] == 2 and snapshot.following_count()[one] == 2
    assert snapshot.interactions[one, seven] == 1                  # a like on 7's post
    assert (snapshot.topics[one] @ snapshot.topics[seven].T)[0, 0] == 1.0  # both #cats, case-folded
    featurizer = FollowFeaturizer().fit(snapshot)
    features, names = featurizer.transform(np.array([one, one, -1]), np.array([four, seven, four]))
    row = dict(zip(names, features[0]))
    assert row["fof_adamic_adar"] > 0 and row["cn"] == 2            # 1 → 2 → 4 and 1 → 3 → 4
    assert dict(zip(names, features[1]))["log_interactions"] > 0
    unknown = dict(zip(names, features[2]))                          # an unknown viewer is an isolated node
    assert unknown["cn"] == unknown["adamic_adar"] == unknown["log_pa"] == unknown["fof_adamic_adar"] == 0


def test_candidate_sources_never_offer_the_viewer_or_whom_it_follows():
    snapshot = GraphSnapshot.from_log(LOG)
    featurizer = FollowFeaturizer().fit(snapshot)
    sources = CandidateSources(CandidateConfig(accounts_per_community=2)).fit(snapshot, featurizer.embeddings)
    one = int(snapshot.index_of(ids(1))[0])
    following = snapshot.following_of(one)
    assert snapshot.account_ids[following].tolist() == ids(2, 3, 4, 6)   # oldest follow first
    found = sources(one, following, following)
    offered = dict(zip(snapshot.account_ids[found.index].tolist(), found.sources))
    assert BIG + 1 not in offered and not set(ids(2, 3, 4, 6)) & set(offered)
    assert FRIENDS_OF_FRIENDS in offered[BIG + 5]                       # 1 → 3 → 5
    assert MOST_INTERACTIONS in offered[BIG + 5]                        # 5 follows 1, not followed back
    assert MOST_INTERACTIONS in offered[BIG + 7]                        # 1 liked 7's post
    assert all(found.similar_to[c] in following for c in found.similar_to)
    assert all(SIMILAR_TO_RECENTLY_FOLLOWED in found.sources[list(found.index).index(c)] for c in found.similar_to)
    baseline = snapshot.account_ids[sources.friends_of_friends_ranking(one, following, 3)].tolist()
    assert baseline[0] == BIG + 5 and BIG + 1 not in baseline
