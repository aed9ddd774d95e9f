"""The DAG folder parses, and each DAG is wired as the ops runbook says: task ids, order,
retries, timeouts, schedule. Running the DAGs end to end is ``make dags-test`` (minutes).

Airflow is imported in a subprocess with a throwaway ``AIRFLOW_HOME``: importing it configures
logging (structlog) and settings process-wide, which the rest of the suite should not inherit.
The folder is loaded as a ``BundleDagBag`` (a ``DagBag`` subclass), the way the DAG processor and
``airflow dags test`` load it: with the folder on ``sys.path``, so ``agora_dag_defaults`` imports.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"

#: Per DAG: schedule, retries of its agora tasks, and each task's upstream task ids.
#: DAGs under dags/pending/ wait for their agora command; they are parsed, never loaded.
EXPECTED = {
    "agora_events_hourly": {
        "schedule": "@hourly",
        "retries": 2,
        "upstream": {
            "export_outbox_to_lake": [],
            "push_post_counters": ["export_outbox_to_lake"],
            "build_feature_tables": ["push_post_counters"],
            "apply_feature_definitions": ["build_feature_tables"],
            "materialize_online_features": ["apply_feature_definitions"],
            "extend_retrieval_index": ["export_outbox_to_lake"],
        },
    },
    "agora_train_daily": {
        "schedule": "@daily",
        "retries": 1,
        "upstream": {
            "build_training_sets": [],
            "train_ranker": ["build_training_sets"],
            "evaluate_ranker": ["train_ranker"],
            "build_friends_of_friends": [],
            "train_suggest": ["build_friends_of_friends", "build_training_sets"],
            "reload_serving": ["train_ranker", "train_suggest"],
        },
    },
    "agora_index_rebuild": {
        "schedule": "0 3 * * *",
        "retries": 2,
        "upstream": {"train_retrieval": [], "build_retrieval_index": ["train_retrieval"]},
    },
    "agora_trends": {
        "schedule": "*/10 * * * *",
        "retries": 1,
        "upstream": {"compute_trends": [], "compute_post_analytics": ["compute_trends"]},
    },
}

#: Dumps what the assertions need as JSON on the last stdout line.
PENDING: dict[str, str] = {}

PROBE = r"""
import json, sys
from airflow.dag_processing.dagbag import BundleDagBag, DagBag

folder = sys.argv[1]
bag = BundleDagBag(dag_folder=folder, bundle_path=folder, bundle_name="dags-folder")
pending = DagBag(dag_folder=folder + "/pending")  # the folder is on sys.path now, as for the bundle
dags = {}
for dag_id, dag in [*bag.dags.items(), *pending.dags.items()]:
    dags[dag_id] = {
        "schedule": dag.schedule if isinstance(dag.schedule, str) else repr(dag.schedule),
        "catchup": dag.catchup,
        "tags": sorted(dag.tags),
        "max_active_runs": dag.max_active_runs,
        "dagrun_timeout": dag.dagrun_timeout.total_seconds() if dag.dagrun_timeout else None,
        "deadlines": len(dag.deadline or []),
        "doc_md": dag.doc_md or "",
        "fileloc": dag.fileloc,
        "tasks": [
            {"task_id": t.task_id, "retries": t.retries,
             "retry_delay": t.retry_delay.total_seconds(),
             "execution_timeout": t.execution_timeout.total_seconds() if t.execution_timeout else None,
             "upstream": sorted(t.upstream_task_ids), "bash_command": getattr(t, "bash_command", None),
             "doc_md": t.doc_md or ""}
            for t in dag.topological_sort()
        ],
    }
print(json.dumps({"import_errors": bag.import_errors, "pending_import_errors": pending.import_errors,
                  "loaded": sorted(bag.dags), "pending": sorted(pending.dags), "dags": dags}))
"""


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict:
    airflow_home = tmp_path_factory.mktemp("airflow_home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update(AIRFLOW_HOME=str(airflow_home), AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_DIR),
               AIRFLOW__CORE__LOAD_EXAMPLES="False")
    result = subprocess.run([sys.executable, "-c", PROBE, str(DAGS_DIR)], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_folder_parses_with_no_import_errors(parsed):
    assert parsed["import_errors"] == {}
    assert parsed["loaded"] == sorted(EXPECTED)


def test_pending_dags_parse_but_are_not_loaded_until_their_command_exists(parsed):
    assert parsed["pending_import_errors"] == {}
    assert parsed["pending"] == sorted(PENDING)
    for dag_id, command in PENDING.items():
        dag = parsed["dags"][dag_id]
        (task,) = dag["tasks"]
        assert task["bash_command"].endswith(f'"${{AGORA_CLI:-agora}}" {command}')


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_each_dag_has_its_tasks_in_order_with_retries_and_schedule(parsed, dag_id):
    dag, expected = parsed["dags"][dag_id], EXPECTED[dag_id]
    assert {t["task_id"]: t["upstream"] for t in dag["tasks"]} == expected["upstream"]
    assert dag["schedule"] == expected["schedule"]
    agora_tasks = [t for t in dag["tasks"] if "AGORA_CLI" in (t["bash_command"] or "")]
    assert agora_tasks, "a DAG that calls no agora command"
    for task in agora_tasks:
        assert task["retries"] == expected["retries"]
        assert task["retry_delay"] > 0


@pytest.mark.parametrize("dag_id", sorted(EXPECTED) + sorted(PENDING))
def test_each_dag_is_bounded_documented_and_never_backfills(parsed, dag_id):
    dag = parsed["dags"][dag_id]
    assert dag["catchup"] is False
    assert dag["max_active_runs"] == 1
    assert "agora" in dag["tags"]
    assert dag["doc_md"].strip()
    assert dag["deadlines"] == 1
    assert dag["dagrun_timeout"] is not None
    for task in dag["tasks"]:
        assert task["execution_timeout"] is not None, task["task_id"]
        assert task["execution_timeout"] <= dag["dagrun_timeout"], task["task_id"]
        assert task["doc_md"].strip(), task["task_id"]


def test_the_run_timeout_of_a_scheduled_dag_is_shorter_than_its_interval(parsed):
    """A stuck run is ended before the next one is due (runs never pile up behind it)."""
    intervals = {"@hourly": timedelta(hours=1), "*/10 * * * *": timedelta(minutes=10), "@daily": timedelta(days=1),
                 "0 3 * * *": timedelta(days=1)}
    for dag_id, dag in parsed["dags"].items():
        assert dag["dagrun_timeout"] < intervals[dag["schedule"]].total_seconds(), dag_id


def test_tasks_call_the_cli_from_agora_cli_and_refuse_to_run_without_agora_home(parsed):
    for dag in parsed["dags"].values():
        for task in dag["tasks"]:
            command = task["bash_command"] or ""
            if "AGORA_CLI" in command:
                assert '"${AGORA_CLI:-agora}"' in command
                assert "${AGORA_HOME:?" in command


def test_dag_files_import_only_airflow():
    """Workers need the agora CLI, not Agora's Python packages: DAG files import Airflow (and the
    folder's own airflow-only helper), never ``agora``, ``pipelines``, ``models``..."""
    allowed = {"__future__", "datetime", "airflow", "agora_dag_defaults"}
    files = [p for p in DAGS_DIR.rglob("*.py") if p.name != "check.py"]
    assert files
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            if path.name == "agora_dag_defaults.py":
                assert roots <= allowed | {"logging"}, (path.name, roots)
            else:
                assert roots <= allowed, (path.name, roots)


def test_the_task_preamble_refuses_without_agora_home_and_skips_a_guarded_task(parsed, tmp_path):
    """Run the rendered bash of ``evaluate_ranker`` (guarded by ``-d "$AGORA_HOME/world"``) with
    a stand-in CLI: no AGORA_HOME → fails; no world → exit 99 (Airflow: skipped); world → runs."""
    task = next(t for t in parsed["dags"]["agora_train_daily"]["tasks"] if t["task_id"] == "evaluate_ranker")
    base = {"PATH": os.environ["PATH"], "AGORA_CLI": "true"}

    def run(**env):
        return subprocess.run(["bash", "-c", task["bash_command"]], env={**base, **env},
                              capture_output=True, text=True).returncode

    assert run() not in (0, 99)
    assert run(AGORA_HOME=str(tmp_path)) == 99
    (tmp_path / "world").mkdir()
    assert run(AGORA_HOME=str(tmp_path)) == 0
    assert run(AGORA_HOME=str(tmp_path), AGORA_CLI="false") == 1
