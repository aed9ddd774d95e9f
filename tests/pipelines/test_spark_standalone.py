"""Scale-out: the features job on a Spark standalone cluster (a master and a worker started from
the pyspark distribution with ``spark-class``, on free ports) computes the same tables as
``local[*]``. The job runs as ``agora pipeline features --master spark://…`` in a subprocess,
the way a scheduler would run it (and because this process may already hold a local session)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyarrow.dataset as ds
import pyspark
import pytest

import ml_chain
from agora.processes import free_port

#: Two Spark runs of the features job (local, shared with other tests, and on the cluster).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]
SPARK_HOME = Path(pyspark.__file__).parent
AGORA = Path(sys.executable).parent / "agora"


def _spark_env(tmp: Path) -> dict:
    return {**os.environ, "SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOG_DIR": str(tmp), "SPARK_WORKER_DIR": str(tmp / "work"), "PYSPARK_PYTHON": sys.executable}


def _alive_workers(ui: str) -> int:
    try:
        state = httpx.get(f"{ui}/json/", timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return 0
    return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory):
    """(master URL, master web UI URL) of a one-worker standalone cluster, stopped after the module."""
    tmp = tmp_path_factory.mktemp("spark_cluster")
    env = _spark_env(tmp)
    port, ui_port, worker_ui = free_port(), free_port(), free_port()
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    master_url, ui = f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}"
    logs = [open(tmp / name, "wb") for name in ("master.log", "worker.log")]
    master = subprocess.Popen([spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                               "--port", str(port), "--webui-port", str(ui_port)],
                              env=env, stdout=logs[0], stderr=subprocess.STDOUT)
    worker = subprocess.Popen([spark_class, "org.apache.spark.deploy.worker.Worker", master_url, "--host", "127.0.0.1",
                               "--cores", "2", "--memory", "2g", "--webui-port", str(worker_ui),
                               "--work-dir", str(tmp / "work")],
                              env=env, stdout=logs[1], stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 120
        while _alive_workers(ui) < 1:
            assert master.poll() is None and worker.poll() is None, (tmp / "master.log").read_text()[-2000:]
            assert time.time() < deadline, "the standalone worker never registered with the master"
            time.sleep(1)
        yield master_url, ui
    finally:
        for process in (worker, master):
            process.terminate()
        for process in (worker, master):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def table_rows(path: Path) -> list[dict]:
    table = ds.dataset(path, format="parquet").to_table()
    rows = table.drop_columns(["created"]).to_pylist()
    return sorted(rows, key=lambda r: tuple(str(v) for v in r.values()))


def test_the_features_job_on_a_standalone_master_matches_local(tmp_path_factory, spark_cluster):
    chain = ml_chain.chain(tmp_path_factory).features()
    master_url, ui = spark_cluster
    # The same lake twice (other tests of the session may append to the chain's own lake):
    # once on the standalone cluster, once on local[*].
    homes = {}
    for where, master in (("cluster", master_url), ("local", None)):
        home = homes[where] = tmp_path_factory.mktemp(f"{where}_home") / "agora_home"
        shutil.copytree(chain.settings.events_dir, home / "lake" / "events")
        result = subprocess.run([str(AGORA), "pipeline", "features", *(["--master", master] if master else [])],
                                env={**_spark_env(home.parent), "AGORA_HOME": str(home)},
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stderr[-3000:]

    apps = httpx.get(f"{ui}/json/", timeout=5).json()
    assert "agora-features" in [app["name"] for app in apps["completedapps"] + apps["activeapps"]]
    tables = sorted(p.name for p in (homes["local"] / "feature_tables").iterdir() if p.is_dir())
    assert tables == sorted(p.name for p in (homes["cluster"] / "feature_tables").iterdir() if p.is_dir())
    assert "post_engagement" in tables
    for table in tables:
        assert table_rows(homes["cluster"] / "feature_tables" / table) == \
            table_rows(homes["local"] / "feature_tables" / table), table
