"""The friends-of-friends Spark job against a plain pandas statement of Adamic-Adar on the
same lake (the session's synthetic world, whose follows include unfollows)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

import ml_chain
from agora.events import EventType
from pipelines import graph

TOP_K = 15


def expected_top_k(events: pd.DataFrame, top_k: int) -> dict[int, list[int]]:
    follows = events[events.event_type.isin([str(EventType.FOLLOWED), str(EventType.UNFOLLOWED)])]
    last = follows.sort_values(["occurred_at", "event_id"]).drop_duplicates(["actor_id", "target_account_id"],
                                                                              keep="last")
    edges = last[(last.event_type == str(EventType.FOLLOWED)) & (last.actor_id != last.target_account_id)]
    edges = edges[["actor_id", "target_account_id"]].astype("int64").set_axis(["a", "b"], axis=1)
    followers = edges.groupby("b").size()
    degree = followers.add(edges.groupby("a").size(), fill_value=0)
    weight = 1.0 / np.log(np.maximum(degree, 2.0))
    paths = edges.merge(edges, left_on="b", right_on="a", suffixes=("", "_2"))
    paths = paths[paths.b_2 != paths.a]
    paths = paths.merge(edges, left_on=["a", "b_2"], right_on=["a", "b"], how="left", indicator=True,
                        suffixes=("", "_followed"))
    paths = paths[paths._merge == "left_only"]
    paths["w"] = paths.b.map(weight)
    scores = paths.groupby(["a", "b_2"]).w.sum().round(9).reset_index()
    scores["followers"] = scores.b_2.map(followers).fillna(0)
    scores = scores.sort_values(["a", "w", "followers", "b_2"], ascending=[True, False, False, True])
    return {int(v): group.b_2.head(top_k).astype(int).tolist() for v, group in scores.groupby("a")}


def test_friends_of_friends_match_adamic_adar_and_exclude_followed(tmp_path_factory):
    chain = ml_chain.chain(tmp_path_factory).lake()
    rows = graph.run(chain.settings, master="local[2]", top_k=TOP_K)
    table = ds.dataset(graph.graph_dir(chain.settings) / "friends_of_friends", format="parquet").to_table().to_pandas()
    assert rows == len(table) > 0

    events = ds.dataset(chain.settings.events_dir, format="parquet", partitioning="hive").to_table(
        columns=["event_id", "event_type", "occurred_at", "actor_id", "target_account_id"]).to_pandas()
    expected = expected_top_k(events, TOP_K)
    got = {int(v): g.sort_values("rank").candidate_id.astype(int).tolist() for v, g in table.groupby("viewer_id")}
    assert got == expected
    first = table.sort_values(["viewer_id", "rank"]).iloc[0]
    assert 1 <= len(first.via_ids) <= min(3, first.via_count)
    assert graph.run(chain.settings, master="local[2]", top_k=TOP_K) == rows   # a rerun changes nothing
