"""What every Agora DAG shares: how a task calls the ``agora`` CLI, the retry policy, and the
Deadline Alert that replaces Airflow 2's SLAs.

DAGs only wire ``agora`` commands (the logic lives in ``pipelines/``, ``features/`` and
``models/``), so this module imports the standard library and Airflow, nothing of Agora:
a worker needs the ``agora`` console script on its PATH (or ``AGORA_CLI`` pointing at it)
and ``AGORA_HOME`` in its environment, not the project's Python packages.

Not a DAG file (``.airflowignore`` lists it). The DAG files import it from the DAG folder,
which Airflow 3 puts on ``sys.path`` wherever it loads the folder as a bundle: the DAG
processor, the task runner, ``airflow dags test``, and the executor process that runs a
``SyncCallback``. A plain ``DagBag`` does not (``airflow dags list-import-errors --local``
without ``--bundle-name dags-folder``), nor does the triggerer, which is why the Deadline
Alert uses a ``SyncCallback``: measured on 3.3.2 with the LocalExecutor, an ``AsyncCallback``
defined here fails in the triggerer with ``No module named 'agora_dag_defaults'`` while the
``SyncCallback`` runs a few seconds after the deadline passes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk.definitions.callback import SyncCallback
from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

log = logging.getLogger("agora.deadlines")

#: Every DAG's first logical date; with ``catchup=False`` only the latest interval is ever run.
START_DATE = datetime(2026, 1, 1)
OWNER = "agora-ml"

#: Resolved by bash on the worker when the task runs, not when the scheduler parses the file:
#: the CLI's path is the worker's business (``AGORA_CLI``, default ``agora`` on the PATH), and a
#: worker without ``AGORA_HOME`` fails at once instead of writing state into a temp directory.
_PREAMBLE = (
    'set -euo pipefail; '
    ': "${AGORA_HOME:?AGORA_HOME must be set on the worker: all Agora state lives there}"; '
)


def default_args(*, retries: int = 2, retry_delay: timedelta = timedelta(minutes=5),
                 max_retry_delay: timedelta = timedelta(minutes=30)) -> dict:
    """Retries with exponential backoff: a busy SQLite file, a slow Spark start or an MLflow
    lock is usually gone a few minutes later; a real bug fails every attempt the same way."""
    return {
        "owner": OWNER,
        "retries": retries,
        "retry_delay": retry_delay,
        "retry_exponential_backoff": True,
        "max_retry_delay": max_retry_delay,
    }


def agora_task(task_id: str, command: str, *, timeout: timedelta, doc: str, only_if: str | None = None,
               **kwargs) -> BashOperator:
    """A task that runs ``agora <command>`` on the worker, killed after ``timeout``.

    ``only_if``: a bash test (``-d "$AGORA_HOME/world"``); when it is false the task is
    *skipped* (exit code 99, BashOperator's skip code) instead of run."""
    guard = ""
    if only_if is not None:
        guard = f"if ! [ {only_if} ]; then echo 'skipped: [ {only_if} ] is false'; exit 99; fi; "
    return BashOperator(
        task_id=task_id,
        bash_command=f'{_PREAMBLE}{guard}exec "${{AGORA_CLI:-agora}}" {command}',
        execution_timeout=timeout,
        doc_md=f"`agora {command}`: {doc}",
        skip_on_exit_code=99,
        **kwargs,
    )


def deadline_alert(after: timedelta, expectation: str) -> DeadlineAlert:
    """Alert when a run is not finished ``after`` it was queued (Airflow 3's replacement for SLAs;
    experimental since 3.1). The DAG's ``dagrun_timeout`` still ends a run that hangs; the
    deadline is the earlier, softer signal that a run is late while it may still succeed.

    Airflow 3.3.2 bug: ``airflow dags test`` on a DAG with ``deadline=`` runs every task and then
    exits 1 with ``AttributeError: 'dict' object has no attribute 'hex'`` (``DAG.test()`` hands
    ``DagRun.update_state`` the in-memory alert definitions instead of their database ids).
    ``make dags-test`` drops the alerts with a ``dag_policy`` for its runs (``dags/check.py``)."""
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=after,
        callback=SyncCallback(log_deadline_missed, kwargs={"expectation": expectation}),
    )


def log_deadline_missed(context: dict | None = None, expectation: str = "", **_: object) -> None:
    """The Deadline Alert callback (run by the executor, logged under
    ``$AIRFLOW_HOME/logs/executor_callbacks/<dag_id>/<run_id>/``): one warning line per late run.

    Swap in a notifier (``SmtpNotifier``, Slack, PagerDuty) here once the deployment has one."""
    context = context or {}
    run = context.get("dag_run") or {}
    deadline = context.get("deadline") or {}
    log.warning("Agora DAG run late: dag_id=%s run_id=%s deadline=%s expectation=%s",
                run.get("dag_id"), run.get("dag_run_id"), deadline.get("deadline_time"), expectation)
