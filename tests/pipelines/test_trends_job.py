"""Trends job: exact scores on hand-made hourly aggregates; then real posts and likes through
the services → outbox → lake → ``pipelines.trends`` → the API, a re-run that changes nothing
and a late post that lands in its own hour and re-scores the windows."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pyarrow.dataset as ds
import pytest
from sqlalchemy import select

from agora.settings import Settings
from pipelines import hourly, trends
from pipelines.export import export_outbox
from pipelines.partitions import Hour, fingerprints
from pipelines.spark import spark_session
from platform_api.db import create_schema, session_scope
from platform_api.schemas import StatusCreate
from platform_api.services.favourite_status import FavouriteStatus
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, Status, TrendingStatus, TrendingTag

AS_OF = datetime(2026, 3, 10, 12, tzinfo=UTC)
MASTER = "local[2]"


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    return spark_session(Settings(home=tmp_path_factory.mktemp("trends_spark")), "agora-tests", MASTER)


def hour_of(age: int) -> tuple:
    """(date, hour) of the hour ``age`` hours back from AS_OF (age 1 ends at AS_OF)."""
    start = AS_OF - timedelta(hours=age)
    return start.date(), start.hour


def z(count: float, expected: float) -> float:
    return (count - expected) / math.sqrt(expected + 1)


def test_tag_scores_guard_on_accounts_and_compare_with_the_baseline(spark):
    rows = [(*hour_of(1), "rising", account, 1) for account in (1, 2, 3)] + [(*hour_of(3), "rising", 4, 1)]
    rows += [(*hour_of(1), "solo", 9, 10)]  # ten uses, one account: guarded out
    rows += [(*hour_of(age), "steady", age % 5, 1) for age in range(1, 175)]  # as usual: not trending
    rows += [(*hour_of(300), "old", account, 5) for account in (1, 2, 3)]
    uses = spark.createDataFrame(rows, "date date, hour int, tag string, account_id long, uses long")

    scored = [r.asDict() for r in trends.score_tags(uses, AS_OF).collect()]

    assert [r["tag"] for r in scored] == ["rising"]
    rising = scored[0]
    assert (rising["uses_1h"], rising["uses_6h"], rising["accounts_6h"], rising["baseline_uses"]) == (3, 4, 4, 0)
    baseline = trends.PRIOR_PER_HOUR
    assert rising["baseline_hourly"] == pytest.approx(baseline)
    assert rising["score"] == pytest.approx(max(z(3, baseline), z(4, 6 * baseline)))


def test_a_post_is_scored_against_its_authors_usual_engagement(spark):
    columns = "date date, hour int, status_id long, author_id long, impressions long, likes long, replies long, " \
              "reposts long, clicks long"
    rows = [(*hour_of(1), 100, 1, 10, 2, 0, 1, 0)]                  # new author: 2 likes + 2 x 1 repost
    rows += [(*hour_of(1), 200, 2, 10, 4, 0, 0, 0)]                 # star author, same engagement
    rows += [(*hour_of(age), 201, 2, 10, 3, 0, 0, 0) for age in range(7, 175)]  # the star's usual week
    rows += [(*hour_of(2), 300, 3, 10, 2, 0, 0, 0)]                 # below the minimum engagement
    engagement = spark.createDataFrame(rows, columns)

    scored = [r.asDict() for r in trends.score_statuses(engagement, AS_OF).collect()]

    assert [r["status_id"] for r in scored] == [100, 200]
    new, star = scored
    base_new = trends.PRIOR_PER_HOUR
    base_star = (3 * 168 + trends.PRIOR_PER_HOUR * 168) / 168
    assert new["score"] == pytest.approx(max(z(4, base_new), z(4, 6 * base_new)))
    assert star["baseline_hourly"] == pytest.approx(base_star)
    assert star["score"] == pytest.approx(z(4, base_star))


# --------------------------------------------------------------------------- the real chain

def people(settings, names) -> dict[str, int]:
    create_schema(settings)
    with session_scope(settings) as session:
        return {n: RegisterAccount(session)(username=n, email=f"{n}@example.org", password="correct horse",
                                            password_hash="-").id for n in names}


def post(settings, author: int, text: str, at: datetime | None = None, **kw) -> int:
    with session_scope(settings) as session:
        return PostStatus(session, settings)(session.get(Account, author), StatusCreate(status=text, **kw),
                                             created_at=at).id


def like(settings, fan: int, status_id: int, at: datetime | None = None) -> None:
    with session_scope(settings) as session:
        FavouriteStatus(session)(session.get(Account, fan), session.get(Status, status_id), created_at=at)


def a_burst(settings) -> dict[str, int]:
    """#rising by three people, #solo three times by one, #quiet unlisted, and a post liked thrice."""
    p = people(settings, ("a", "b", "c", "d", "e", "f1", "f2", "f3"))
    for name in ("a", "b", "c"):
        post(settings, p[name], "all about #rising")
        post(settings, p[name], "#quiet", visibility="unlisted")
    for _ in range(3):
        post(settings, p["e"], "#solo again")
    loved = post(settings, p["a"], "a post people love")
    for fan in ("f1", "f2", "f3"):
        like(settings, p[fan], loved)
    return {**p, "loved": loved}


def table_rows(settings) -> list:
    with session_scope(settings) as session:
        return [tuple((k, v) for k, v in vars(row).items() if not k.startswith("_"))
                for model in (TrendingTag, TrendingStatus) for row in session.scalars(select(model))]


def aggregate_rows(settings) -> dict[str, list[dict]]:
    out = {}
    for name in (hourly.TAG_USES, hourly.STATUS_ENGAGEMENT):
        table = ds.dataset(hourly.aggregates_dir(settings) / name, format="parquet", partitioning="hive").to_table()
        out[name] = sorted(table.to_pylist(), key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return out


@pytest.mark.slow
def test_the_api_answers_from_the_job_once_it_ran_and_moderation_still_applies(settings, client):
    p = a_burst(settings)
    before = client.get("/api/v1/trends/tags")
    assert before.headers["X-Agora-Trends"] == "fallback"
    assert "rising" in [t["name"] for t in before.json()]

    export_outbox(settings, progress=False)
    result = trends.run(settings, master=MASTER)

    tags = client.get("/api/v1/trends/tags")
    assert tags.status_code == 200 and tags.headers["X-Agora-Trends"] == "job"
    assert [t["name"] for t in tags.json()] == ["rising"]  # #solo: one account; #quiet: unlisted
    assert tags.json()[0]["history"][0]["uses"] == "3" and tags.json()[0]["history"][0]["accounts"] == "3"
    assert len(tags.json()[0]["history"]) == 7
    assert result.as_of == trends.lake_watermark(settings)
    statuses = client.get("/api/v1/trends/statuses")
    assert statuses.headers["X-Agora-Trends"] == "job"
    assert [s["id"] for s in statuses.json()] == [str(p["loved"])]
    assert "agora_trends_requests_total" in client.get("/metrics").text

    with session_scope(settings) as session:  # moderation acts after the job ran
        session.get(Status, p["loved"]).limited = True
    assert client.get("/api/v1/trends/statuses").json() == []


@pytest.mark.slow
def test_a_rerun_changes_nothing_and_a_late_post_rescoring_its_hour(settings):
    p = a_burst(settings)
    export_outbox(settings, progress=False)
    first = trends.run(settings, master=MASTER)
    assert first.touched_hours
    files, rows, aggregates = fingerprints_of(settings), table_rows(settings), aggregate_rows(settings)

    again = trends.run(settings, master=MASTER)
    assert again.touched_hours == []
    assert (fingerprints_of(settings), table_rows(settings)) == (files, rows)  # not one file rewritten

    trends.run(settings, master=MASTER, rebuild=True)  # every hour rewritten: the same rows
    assert (table_rows(settings), aggregate_rows(settings)) == (rows, aggregates)
    files = fingerprints_of(settings)

    late_at = (first.as_of - timedelta(days=3)).replace(minute=30)
    post(settings, p["d"], "an old #rising post, exported late", at=late_at)
    export_outbox(settings, progress=False)
    late = trends.run(settings, master=MASTER)

    late_hour = Hour(late_at.date(), late_at.hour)
    assert late.touched_hours == [late_hour]
    now_files = fingerprints_of(settings)
    changed = {key for key in now_files[hourly.TAG_USES].keys() | files[hourly.TAG_USES].keys()
               if now_files[hourly.TAG_USES].get(key) != files[hourly.TAG_USES].get(key)}
    assert {Hour.parse(key) for key in changed} == {late_hour}
    new_uses = [r for r in aggregate_rows(settings)[hourly.TAG_USES] if r not in aggregates[hourly.TAG_USES]]
    assert [(r["tag"], r["account_id"], r["uses"], r["hour"]) for r in new_uses] == \
        [("rising", p["d"], 1, late_at.hour)]
    (rising,) = late.tags
    assert rising["baseline_uses"] == 1
    days_back = (first.as_of - timedelta(microseconds=1)).date() - late_at.date()
    assert json.loads(rising["history"])[days_back.days]["uses"] == "1"


def fingerprints_of(settings) -> dict:
    return {name: fingerprints(hourly.aggregates_dir(settings) / name)
            for name in (hourly.TAG_USES, hourly.STATUS_ENGAGEMENT)}
