"""``make dags-test``: every DAG in this folder, parsed and run once end to end on a throwaway world.

1. a throwaway ``AIRFLOW_HOME`` (SQLite) and ``AGORA_HOME`` under one temp directory;
2. ``agora world generate --users 120 --seed 1`` into that ``AGORA_HOME``;
3. ``airflow db migrate``;
4. ``airflow dags list-import-errors --local --bundle-name dags-folder``: the folder parses with
   no import errors (``--bundle-name`` makes the CLI load the folder as the DAG processor does,
   with the folder on ``sys.path``, so ``agora_dag_defaults`` imports);
5. ``airflow dags test <dag_id>`` for every DAG, in pipeline order (events before training,
   training before the index), printing ``<dag_id> PASS|FAIL <seconds>``.

Tasks call the ``agora`` CLI of this virtualenv (``AGORA_CLI``). Two cluster policies in the
throwaway ``AIRFLOW_HOME`` (``config/airflow_local_settings.py``) adapt the DAGs to a test run:

- ``task_policy`` switches retries off: ``airflow dags test`` honours ``retry_delay``, so with
  the production retries one broken task would take 15 minutes of backoff to report;
- ``dag_policy`` drops the Deadline Alerts: in Airflow 3.3.2 ``airflow dags test`` exits 1 at
  the end of every *successful* run of a DAG with ``deadline=`` (``DAG.test()`` serializes the
  DAG in memory, so ``DagRun.update_state`` gets the alert definitions where it expects their
  database ids: ``AttributeError: 'dict' object has no attribute 'hex'``). The scheduler path is
  not affected: there the alerts fire (see ``agora_dag_defaults``).

Exits 1 if the folder has import errors or any DAG failed; the temp directory (with one log per
step under ``logs/``) is then kept and its path printed. ``--keep`` keeps it on success too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAGS_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
#: Upstream first: each DAG reads what the one before it wrote. DAGs not listed run after these.
RUN_ORDER = ("agora_events_hourly", "agora_trends", "agora_train_daily", "agora_index_rebuild")
TEST_POLICIES = '''\
def task_policy(task):
    task.retries = 0


def dag_policy(dag):
    dag.deadline = None
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dag", action="append", help="only this DAG id (repeatable)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per airflow dags test")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory even on success")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="agora-dags-test-"))
    env = _environment(workdir)
    logs = workdir / "logs"
    logs.mkdir()
    print(f"dags-test: AIRFLOW_HOME={env['AIRFLOW_HOME']} AGORA_HOME={env['AGORA_HOME']}", flush=True)

    setup = [
        ("world", [str(BIN / "agora"), "world", "generate", "--users", str(args.users), "--seed", str(args.seed)]),
        ("db_migrate", [str(BIN / "airflow"), "db", "migrate"]),
    ]
    for name, argv in setup:
        ok, seconds = _run(argv, env, logs / f"{name}.log", timeout=900)
        print(f"  setup {name:<18} {'ok' if ok else 'FAILED'} {seconds:6.1f} s", flush=True)
        if not ok:
            return _finish(workdir, failed=True, keep=args.keep)

    errors = _json_output([str(BIN / "airflow"), "dags", "list-import-errors", "--local",
                           "--bundle-name", "dags-folder", "-o", "json"], env, logs / "import_errors.log")
    if errors is None or errors:
        print("import errors in the DAG folder:" if errors else "could not list import errors:", flush=True)
        for error in errors or []:
            print(f"  {error.get('filepath')}:\n{error.get('error')}", flush=True)
        _tail(logs / "import_errors.log")
        return _finish(workdir, failed=True, keep=args.keep)
    print("  import errors      none", flush=True)

    listed = _json_output([str(BIN / "airflow"), "dags", "list", "--local", "--bundle-name", "dags-folder",
                           "-o", "json"], env, logs / "dags_list.log") or []
    dag_ids = sorted({row["dag_id"] for row in listed},
                     key=lambda d: (RUN_ORDER.index(d) if d in RUN_ORDER else len(RUN_ORDER), d))
    if args.dag:
        missing = sorted(set(args.dag) - set(dag_ids))
        if missing:
            print(f"no such DAG in {DAGS_DIR}: {', '.join(missing)}", flush=True)
            return _finish(workdir, failed=True, keep=args.keep)
        dag_ids = [d for d in dag_ids if d in args.dag]
    if not dag_ids:
        print(f"no DAGs found in {DAGS_DIR}", flush=True)
        return _finish(workdir, failed=True, keep=args.keep)

    results: dict[str, tuple[bool, float]] = {}
    for dag_id in dag_ids:
        log = logs / f"dags_test_{dag_id}.log"
        ok, seconds = _run([str(BIN / "airflow"), "dags", "test", dag_id], env, log, timeout=args.timeout)
        results[dag_id] = (ok, seconds)
        print(f"{dag_id:<24} {'PASS' if ok else 'FAIL'} {seconds:7.1f} s", flush=True)
        if not ok:
            _tail(log)

    failed = [d for d, (ok, _) in results.items() if not ok]
    print(f"dags-test: {len(results) - len(failed)}/{len(results)} DAGs passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return _finish(workdir, failed=bool(failed), keep=args.keep)


def _environment(workdir: Path) -> dict[str, str]:
    airflow_home, agora_home = workdir / "airflow_home", workdir / "agora_home"
    (airflow_home / "config").mkdir(parents=True)
    (airflow_home / "config" / "airflow_local_settings.py").write_text(TEST_POLICIES)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AIRFLOW__") and k not in ("AGORA_DATABASE_URL", "AGORA_REDIS_URL",
                                                          "AGORA_MLFLOW_TRACKING_URI", "AGORA_FEAST_REPO")}
    env.update({
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AGORA_HOME": str(agora_home),
        "AGORA_CLI": str(BIN / "agora"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "SPARK_LOCAL_IP": "127.0.0.1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    })
    return env


def _run(argv: list[str], env: dict[str, str], log: Path, timeout: float) -> tuple[bool, float]:
    started = time.perf_counter()
    with log.open("wb") as out:
        try:
            code = subprocess.run(argv, env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\n[dags-test] timed out after {timeout:.0f} s\n".encode())
            code = -1
    return code == 0, time.perf_counter() - started


def _json_output(argv: list[str], env: dict[str, str], log: Path):
    """The JSON document an ``airflow ... -o json`` command prints (its last line starting with ``[``)."""
    _run(argv, env, log, timeout=600)
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.startswith("[")]
    if not lines:
        return None
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError:
        return None


def _tail(log: Path, lines: int = 40) -> None:
    text = log.read_text(errors="replace").splitlines() if log.exists() else []
    print(f"  --- last {min(lines, len(text))} lines of {log} ---", flush=True)
    for line in text[-lines:]:
        print(f"  | {line}", flush=True)


def _finish(workdir: Path, *, failed: bool, keep: bool) -> int:
    if failed or keep:
        print(f"dags-test: kept {workdir} (logs in {workdir / 'logs'})", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
