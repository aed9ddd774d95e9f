"""Daily: retrain the two-tower retrieval model, then rebuild the candidate-retrieval index.

| task | command | what it does |
| --- | --- | --- |
| `train_retrieval` | `agora train retrieval` | trains on the lake's engagements; promoted only if not worse (held-out recall@100) |
| `build_retrieval_index` | `agora index build` | embeds the recent posts with the champion into the FAISS index; reloads the service |

Between rebuilds, new posts enter as they are created (the API hands each public post to the
retrieval service), and the hourly `agora_events_hourly` runs `agora index update` for any the
service missed.

Runs once a day after training has had time to finish (03:00 UTC; the daily training starts at
00:00 and has a 4-hour run timeout, so an index can be built from embeddings that are at most a
day old). A run not done 90 minutes after it was queued raises a Deadline Alert; `dagrun_timeout`
ends it at 2 hours. Workers need `agora` on the PATH (or `AGORA_CLI`) and `AGORA_HOME` set.
"""

from __future__ import annotations

from datetime import timedelta

from agora_dag_defaults import START_DATE, agora_task, deadline_alert, default_args
from airflow.sdk import DAG

with DAG(
    dag_id="agora_index_rebuild",
    description="rebuild the candidate-retrieval index",
    schedule="0 3 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    deadline=deadline_alert(timedelta(minutes=90), "the retrieval index is rebuilt within 90 minutes"),
    default_args=default_args(retries=2, retry_delay=timedelta(minutes=10)),
    tags=["agora", "retrieval", "index"],
    doc_md=__doc__,
):
    train = agora_task("train_retrieval", "train retrieval", timeout=timedelta(minutes=60),
                       doc="train the two-tower model; the gate decides champion or challenger")
    build = agora_task("build_retrieval_index", "index build", timeout=timedelta(minutes=50),
                       doc="rebuild the retrieval index from the newest embeddings")
    train >> build
