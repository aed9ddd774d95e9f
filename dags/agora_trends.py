"""Every 10 minutes: trending tags and posts, then per-post analytics, from the event lake.

| task | command | what it does |
| --- | --- | --- |
| `compute_trends` | `agora pipeline trends` | re-aggregates the lake hours that changed, scores the 1 h / 6 h windows against the 7-day baseline, replaces `trending_tags` / `trending_statuses` (what `/api/v1/trends/*` serve) |
| `compute_post_analytics` | `agora pipeline analytics` | rewrites `status_engagement_hourly` for the changed hours and the creator summaries (`/api/v1/agora/analytics/statuses/:id`) |

Both jobs share the hourly aggregates under `lake/aggregates/`, so they run one after the other in
this DAG and never side by side. Trends are only as fresh as the lake: `agora_events_hourly`
exports the outbox.

Runs are short and frequent: one retry after a minute, a 9-minute `dagrun_timeout` so a stuck
run never overlaps the next one, and a Deadline Alert when a run is not done 8 minutes after it
was queued. Workers need `agora` on the PATH (or `AGORA_CLI`) and `AGORA_HOME` set.
"""

from __future__ import annotations

from datetime import timedelta

from agora_dag_defaults import START_DATE, agora_task, deadline_alert, default_args
from airflow.sdk import DAG

with DAG(
    dag_id="agora_trends",
    description="trending tags and posts, then post analytics, every 10 minutes",
    schedule="*/10 * * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=9),
    deadline=deadline_alert(timedelta(minutes=8), "trends are at most 10 minutes stale"),
    default_args=default_args(retries=1, retry_delay=timedelta(minutes=1), max_retry_delay=timedelta(minutes=2)),
    tags=["agora", "pipeline", "trends"],
    doc_md=__doc__,
):
    trends = agora_task("compute_trends", "pipeline trends", timeout=timedelta(minutes=5),
                        doc="score trending tags and posts from the lake's changed hours")
    post_analytics = agora_task("compute_post_analytics", "pipeline analytics", timeout=timedelta(minutes=3),
                                doc="per-post hourly engagement and creator summaries for the analytics API")

    trends >> post_analytics
