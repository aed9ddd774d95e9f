"""Hourly: drain the outbox into the event lake, rebuild the feature tables, refresh Feast online,
extend the retrieval index.

| task | command | what it does |
| --- | --- | --- |
| `export_outbox_to_lake` | `agora pipeline export` | outbox rows → `lake/events/date=/hour=` Parquet, exactly once |
| `extend_retrieval_index` | `agora index update` | the new posts in the lake the retrieval index lacks (those the API could not hand to the service as they were created); skipped until the daily DAG has built an index |
| `push_post_counters` | `agora features push-counters` | the new events' post counters → Feast's push source (online), before the batch tables are rebuilt so nothing is counted twice |
| `build_feature_tables` | `agora pipeline features` | PySpark: the lake → daily feature snapshots |
| `apply_feature_definitions` | `agora features apply` | registers `features/` in the Feast registry (idempotent; keeps the registry equal to the deployed code) |
| `materialize_online_features` | `agora features materialize` | loads new snapshot rows into the online store the ranker service reads |

`max_active_runs=1`: the exporter assumes one exporter at a time. A run that is not done
40 minutes after it was queued raises a Deadline Alert; `dagrun_timeout` ends it at 55.
Workers need `agora` on the PATH (or `AGORA_CLI`) and `AGORA_HOME` set.
"""

from __future__ import annotations

from datetime import timedelta

from agora_dag_defaults import START_DATE, agora_task, deadline_alert, default_args
from airflow.sdk import DAG

with DAG(
    dag_id="agora_events_hourly",
    description="outbox → event lake → Spark feature tables → Feast online store",
    schedule="@hourly",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=55),
    deadline=deadline_alert(timedelta(minutes=40), "the hourly feature refresh finishes within 40 minutes"),
    default_args=default_args(),
    tags=["agora", "pipeline", "features"],
    doc_md=__doc__,
):
    export = agora_task("export_outbox_to_lake", "pipeline export", timeout=timedelta(minutes=20),
                        doc="drain the transactional outbox into the Parquet event lake")
    push_counters = agora_task("push_post_counters", "features push-counters", timeout=timedelta(minutes=10),
                               doc="push fresh post counters (likes, replies, reposts…) to the online store")
    extend_index = agora_task("extend_retrieval_index", "index update", timeout=timedelta(minutes=15),
                              doc="add the lake's new posts to the retrieval index; the service reloads it")
    features = agora_task("build_feature_tables", "pipeline features", timeout=timedelta(minutes=30),
                          doc="recompute the feature tables from the lake with Spark")
    apply = agora_task("apply_feature_definitions", "features apply", timeout=timedelta(minutes=10),
                       doc="register the Feast definitions in features/ (idempotent)")
    materialize = agora_task("materialize_online_features", "features materialize", timeout=timedelta(minutes=15),
                             doc="load the new feature snapshots into the Feast online store")

    export >> push_counters >> features >> apply >> materialize
    export >> extend_index
