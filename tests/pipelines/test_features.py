"""Spark feature job: exact values on a hand-made lake, then the real job on the synthetic world."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

import ml_chain
from agora.events import EventType
from agora.settings import Settings
from pipelines import features
from pipelines.spark import spark_session

DAY0 = datetime(2026, 3, 1, tzinfo=UTC)
VIEWER, OTHER_VIEWER, AUTHOR, STATUS = 1, 2, 7, 100


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return ml_chain.chain(tmp_path_factory).features()


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """One session for the module (Spark shares it with the chain's job: same JVM)."""
    return spark_session(Settings(home=tmp_path_factory.mktemp("spark_home")), "agora-tests")


def at(day: float) -> datetime:
    return DAY0 + timedelta(days=day)


def event(event_id, kind, when, actor, status=None, author=None, target=None):
    return (event_id, str(kind), when, actor, status, author, target, None)


@pytest.fixture(scope="module")
def tiny_lake(spark):
    """Day 0: the author posts, two impressions, one like (and the same like exported twice).
    Day 3: one more impression. Day 14: the viewer likes again (affinity half-life check)."""
    rows = [
        event(1, EventType.STATUS_CREATED, at(0.1), AUTHOR, STATUS, AUTHOR),
        event(2, EventType.IMPRESSION, at(0.2), VIEWER, STATUS, AUTHOR),
        event(3, EventType.IMPRESSION, at(0.3), OTHER_VIEWER, STATUS, AUTHOR),
        event(4, EventType.FAVOURITED, at(0.25), VIEWER, STATUS, AUTHOR),
        event(4, EventType.FAVOURITED, at(0.25), VIEWER, STATUS, AUTHOR),  # exported twice
        event(5, EventType.FOLLOWED, at(0.5), VIEWER, target=AUTHOR),
        event(6, EventType.IMPRESSION, at(3.5), VIEWER, STATUS, AUTHOR),
        event(7, EventType.FAVOURITED, at(14.5), VIEWER, STATUS, AUTHOR),
    ]
    schema = ("event_id long, event_type string, occurred_at timestamp, actor_id long, status_id long, "
              "author_id long, target_account_id long, payload string")
    return spark.createDataFrame(rows, schema)


def collect(df, key: str, value) -> pd.DataFrame:
    frame = df.toPandas()
    frame["event_timestamp"] = pd.to_datetime(frame["event_timestamp"]).dt.tz_localize(UTC)  # session tz is UTC
    return frame[frame[key] == value].sort_values("event_timestamp").reset_index(drop=True)


def test_post_engagement_is_cumulative_deduplicated_and_stamped_at_day_end(tiny_lake):
    rows = collect(features.transform_post_engagement(tiny_lake), "status_id", STATUS)

    birth, day0 = rows.iloc[0], rows.iloc[1]
    assert birth["event_timestamp"] == pd.Timestamp(at(0.2) - timedelta(microseconds=1))
    assert birth["post_impressions"] == 0 and birth["post_likes"] == 0
    assert day0["event_timestamp"] == pd.Timestamp(at(1) - timedelta(microseconds=1))
    assert (day0["post_impressions"], day0["post_likes"]) == (2, 1)  # the duplicate like counts once
    day3 = rows[rows["event_timestamp"] == pd.Timestamp(at(4) - timedelta(microseconds=1))].iloc[0]
    assert day3["post_impressions"] == 3
    # Smoothed towards the platform rate (1 like / 2 impressions on day 0): (1 + 20 * 0.5) / (2 + 20)
    assert day0["post_like_rate"] == pytest.approx((1 + features.PRIOR_WEIGHT * 0.5) / (2 + features.PRIOR_WEIGHT))
    # The last snapshot is stamped with the lake's watermark, not a future end of day.
    assert rows["event_timestamp"].max() == pd.Timestamp(at(14.5))


def test_account_activity_has_seven_day_windows_that_fall_back_to_zero(tiny_lake):
    rows = collect(features.transform_account_activity(tiny_lake), "account_id", VIEWER)
    by_day = {ts.floor("D").date(): row for ts, row in zip(rows["event_timestamp"], rows.itertuples())}

    assert by_day[at(0).date()].impressions_seen_7d == 1
    assert by_day[at(3).date()].impressions_seen_7d == 2
    assert by_day[at(9).date()].impressions_seen_7d == 1   # day 0 left the window on day 7
    assert by_day[at(9).date()].impressions_seen_total == 2
    assert by_day[at(9).date()].follows_total == 1 and by_day[at(9).date()].likes_given_total == 1
    assert at(11).date() not in by_day                       # quiet for over a week: no rows


def test_affinity_decays_with_the_half_life(tiny_lake):
    rows = collect(features.transform_viewer_author_affinity(tiny_lake), "viewer_id", VIEWER)
    rows = rows[rows["author_id"] == AUTHOR]
    last = rows.iloc[-1]  # day 14: the old like has aged 14 days, the new one 0
    assert last["va_likes"] == pytest.approx(1 + 0.5 ** (14 / features.AFFINITY_HALF_LIFE_DAYS))
    assert rows.iloc[0]["va_likes"] == 0  # birth row
    assert rows.iloc[0]["va_following"] == 0 and last["va_following"] == 1  # followed on day 0


def test_author_engagement_counts_followers_and_received_engagement(tiny_lake):
    rows = collect(features.transform_author_engagement(tiny_lake), "author_id", AUTHOR)
    day0 = rows[rows["event_timestamp"] == pd.Timestamp(at(1) - timedelta(microseconds=1))].iloc[0]
    assert (day0["author_posts_total"], day0["author_impressions_total"], day0["author_likes_total"]) == (1, 2, 1)
    assert day0["author_followers_gained_total"] == 1 and day0["author_followers_gained_7d"] == 1


def test_run_writes_point_in_time_tables_for_feast(chain):
    settings: Settings = chain.settings
    written = chain.results["features"]
    assert set(written) == set(features.TABLES) and all(n > 0 for n in written.values())

    author = pd.read_parquet(settings.feature_tables_dir / "author_engagement")
    assert str(author["event_timestamp"].dtype) == "datetime64[us, UTC]"
    assert str(author["created"].dtype) == "datetime64[us, UTC]"

    # Each snapshot counts exactly the events up to its own timestamp (none after it).
    lake = pd.read_parquet(settings.events_dir, columns=["event_type", "occurred_at", "author_id"])
    impressions = lake[lake["event_type"] == str(EventType.IMPRESSION)]
    for row in author.sample(40, random_state=1).itertuples():
        seen = impressions[(impressions["author_id"] == row.author_id)
                           & (impressions["occurred_at"] <= row.event_timestamp)]
        assert row.author_impressions_total == len(seen)

    # The world's popular authors are liked more, and the table says so.
    latest = author.sort_values("event_timestamp").groupby("author_id").tail(1).set_index("author_id")
    popular = latest.loc[latest.index.isin(ml_chain.POPULAR_AUTHORS), "author_like_rate"]
    others = latest.loc[~latest.index.isin(ml_chain.POPULAR_AUTHORS), "author_like_rate"]
    assert popular.min() > others.median()


def test_post_counters_and_topic_vectors_count_what_happened_so_far(spark):
    tags = json.dumps({"tags": ["Climbing"]})
    rows = [(1, str(EventType.STATUS_CREATED), at(0.1), AUTHOR, STATUS, AUTHOR, None, tags),
            event(2, EventType.IMPRESSION, at(0.2), VIEWER, STATUS, AUTHOR),
            event(3, EventType.FAVOURITED, at(0.25), VIEWER, STATUS, AUTHOR),
            event(4, EventType.IMPRESSION, at(1.5), OTHER_VIEWER, STATUS, AUTHOR)]
    schema = ("event_id long, event_type string, occurred_at timestamp, actor_id long, status_id long, "
              "author_id long, target_account_id long, payload string")
    events = spark.createDataFrame(rows, schema)

    # Counters: one row per moment they change, stamped with it (exact for point-in-time joins).
    counters = collect(features.transform_post_counters(events), "status_id", STATUS)
    assert counters["event_timestamp"].tolist() == [at(0.1), at(0.2), at(0.25), at(1.5)]
    assert counters["live_impressions"].tolist() == [0, 1, 1, 2]
    assert counters["live_likes"].tolist() == [0, 0, 1, 1]

    # Topic vectors: the tag's bucket (crc32 of the lower-cased tag) counts, nothing else does.
    bucket = zlib.crc32(b"climbing") % features.TOPIC_BUCKETS
    post = features.transform_post_topics(events).toPandas()
    assert post["post_topic_buckets"].map(list).tolist() == [[bucket]]
    viewer = collect(features.transform_viewer_topics(events), "viewer_id", VIEWER)
    assert sum(viewer.loc[0, "viewer_topic_impressions"]) == 0  # birth row: before anything happened
    day0 = viewer.loc[1]
    assert day0["event_timestamp"] == at(1) - timedelta(microseconds=1)
    assert day0["viewer_topic_impressions"][bucket] == day0["viewer_topic_likes"][bucket] == 1
    assert sum(day0["viewer_topic_impressions"]) == sum(day0["viewer_topic_likes"]) == 1
    assert len(day0["viewer_topic_likes"]) == features.TOPIC_BUCKETS and sum(day0["viewer_topic_posts"]) == 0
    author = collect(features.transform_author_topics(events), "author_id", AUTHOR)
    assert author.iloc[-1]["author_topic_posts"][bucket] == 1


def test_a_rerun_changes_nothing_and_a_late_event_counts_on_its_own_day(tiny_lake, tmp_path):
    """``run`` on a lake on disk, twice: the same tables. Then a like that happened on day 3
    arrives late (a later export writes it into day 3's hour partition): the next run counts it
    from day 3 on, and the earlier days stay as they were."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from agora.events import LAKE_SCHEMA

    settings = Settings(home=tmp_path / "home", database_url=None)
    settings.ensure_dirs()

    def write(rows: pd.DataFrame, name: str) -> None:
        for (day, hour), part in rows.groupby([rows["occurred_at"].dt.strftime("%Y-%m-%d"), rows["occurred_at"].dt.hour]):
            directory = settings.events_dir / f"date={day}" / f"hour={hour:02d}"
            directory.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pandas(part, schema=LAKE_SCHEMA, preserve_index=False),
                           directory / f"{name}.parquet", coerce_timestamps="us", allow_truncated_timestamps=True)

    def tables() -> dict[str, pd.DataFrame]:
        out = {}
        for name in features.TABLES:
            frame = pd.read_parquet(settings.feature_tables_dir / name).drop(columns="created")
            for column in frame.columns[frame.dtypes == object]:  # topic arrays: comparable as tuples
                frame[column] = frame[column].map(tuple)
            keys = [c for c in frame.columns if c.endswith("_id")] + ["event_timestamp"]
            out[name] = frame.sort_values(keys, ignore_index=True)
        return out

    lake = tiny_lake.toPandas().drop_duplicates("event_id")
    lake["occurred_at"] = pd.to_datetime(lake["occurred_at"]).dt.tz_localize(UTC)
    write(lake, "batch-0")
    features.run(settings)
    first = tables()
    features.run(settings)
    again = tables()
    for name in features.TABLES:
        pd.testing.assert_frame_equal(again[name], first[name], obj=name)

    late = pd.DataFrame([event(8, EventType.FAVOURITED, at(3.6), OTHER_VIEWER, STATUS, AUTHOR)],
                        columns=[f.name for f in LAKE_SCHEMA])
    late["occurred_at"] = pd.to_datetime(late["occurred_at"], utc=True)
    write(late, "batch-1")
    features.run(settings)
    post = tables()["post_engagement"].sort_values("event_timestamp", ignore_index=True)
    before = first["post_engagement"].sort_values("event_timestamp", ignore_index=True)
    day3_end = pd.Timestamp(at(4)) - pd.Timedelta(microseconds=1)
    assert post.loc[post["event_timestamp"] < day3_end, "post_likes"].tolist() \
        == before.loc[before["event_timestamp"] < day3_end, "post_likes"].tolist()
    assert (post.loc[post["event_timestamp"] >= day3_end, "post_likes"]
            == before.loc[before["event_timestamp"] >= day3_end, "post_likes"] + 1).all()
