"""Daily: retrain the models on the newest features; each trainer promotes through its gate.

| task | command | what it does |
| --- | --- | --- |
| `build_training_sets` | `agora pipeline training-sets` | PySpark: the days of the lake that changed → `lake/training/{ranker,follows,moderation}/date=` Parquet (labelled impressions, follows with their time split, moderator decisions) |
| `train_ranker` | `agora train ranker` | builds its training set (every impression in the lake, labelled per head, with point-in-time Feast `ranker_v3` features), trains, evaluates on the newest 20% of the time span, registers `ranker/<n>` in MLflow and moves `@champion` to it only if it is not worse than the current champion on the same validation rows (otherwise `@challenger`) |
| `evaluate_ranker` | `agora evaluate ranker --json` | NDCG@20 of `@champion` vs chronological and popularity order, and AUC, on the held-out slice. Scores against the synthetic world's ground truth (`$AGORA_HOME/world/`), so it is *skipped* where there is none |
| `build_friends_of_friends` | `agora pipeline graph` | PySpark: the lake's follow graph → top-100 friends-of-friends per account by Adamic-Adar, with the accounts in between (`lake/graph/friends_of_friends`) |
| `train_suggest` | `agora train suggest` | follow suggestions: the lake's follow graph, time split (graph at the 60% quantile of follow times → the follows after it), registers `follow-suggest/<n>`, `@champion` only if its AUC on the same evaluation pairs is not worse |
| `reload_serving` | `agora serve reload` | the running model services (ranker, follow-suggest, …) load their current `@champion` (no-op if none runs) |

Promotion is part of each `agora train <model>` command (the gate in `models/registry.py`), so a
failed or worse model never reaches `@champion` and there is no separate promote task to forget.
The evaluation is a report, not a gate: it runs beside the reload and never holds serving back.
Retrieval, follow-suggestion and moderation training join here as their `agora train` commands
land. A run not done 3 hours after it was queued raises a Deadline Alert; `dagrun_timeout` ends it
at 4. Workers need `agora` on the PATH (or `AGORA_CLI`) and `AGORA_HOME` set.
"""

from __future__ import annotations

from datetime import timedelta

from agora_dag_defaults import START_DATE, agora_task, deadline_alert, default_args
from airflow.sdk import DAG

with DAG(
    dag_id="agora_train_daily",
    description="retrain → promote-if-better (gated) → evaluate, serving reload",
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=4),
    deadline=deadline_alert(timedelta(hours=3), "new models are trained and gated within 3 hours"),
    default_args=default_args(retries=1, retry_delay=timedelta(minutes=10)),
    tags=["agora", "training", "mlflow"],
    doc_md=__doc__,
):
    training_sets = agora_task("build_training_sets", "pipeline training-sets", timeout=timedelta(minutes=45),
                               doc="rewrite the training-set partitions of the days whose events changed")
    train_ranker = agora_task("train_ranker", "train ranker", timeout=timedelta(hours=2),
                              doc="train, evaluate and register the ranker; promote to @champion if not worse")
    evaluate_ranker = agora_task("evaluate_ranker", "evaluate ranker --json", timeout=timedelta(minutes=30),
                                 only_if='-d "$AGORA_HOME/world"',
                                 doc="NDCG and AUC of @champion against the synthetic world's ground truth")
    reload_serving = agora_task("reload_serving", "serve reload", timeout=timedelta(minutes=5),
                                doc="the running ranker service loads the current @champion (no-op if none runs)")

    train_suggest = agora_task("train_suggest", "train suggest", timeout=timedelta(hours=1),
                               doc="train and register follow-suggest; promote to @champion if not worse")

    friends_of_friends = agora_task("build_friends_of_friends", "pipeline graph", timeout=timedelta(minutes=45),
                                    doc="friends-of-friends candidates, top K per account, from the follow graph")

    training_sets >> train_ranker >> [evaluate_ranker, reload_serving]
    [training_sets, friends_of_friends] >> train_suggest >> reload_serving
