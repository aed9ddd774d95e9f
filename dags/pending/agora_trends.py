"""Every 10 minutes: recompute trending tags and posts from the event lake.

| task | command | what it does |
| --- | --- | --- |
| `compute_trends` | `agora pipeline trends` | the trends job over the most recent lake partitions |

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
    description="trending tags and posts, every 10 minutes",
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
    agora_task("compute_trends", "pipeline trends", timeout=timedelta(minutes=7),
               doc="recompute trending tags and posts from the lake")
