"""Scale-out: an MLflow tracking server in place of the embedded SQLite file. With
``AGORA_MLFLOW_TRACKING_URI`` pointing at a real ``mlflow server`` (artifacts proxied with
``--serve-artifacts``), ``configure_mlflow`` logs runs there, the registry holds versions and the
``@champion`` alias, and artifacts land in the server's store, not under ``AGORA_HOME``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from agora.processes import free_port
from agora.settings import Settings

pytestmark = pytest.mark.slow
MLFLOW = Path(sys.executable).parent / "mlflow"


@pytest.fixture
def mlflow_server(tmp_path):
    port = free_port()
    artifacts = tmp_path / "server_artifacts"
    log = open(tmp_path / "mlflow.log", "wb")
    server = subprocess.Popen([str(MLFLOW), "server", "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
                               "--artifacts-destination", artifacts.as_uri(), "--serve-artifacts",
                               "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 300  # a loaded 2-core box: the import alone can take minutes
        while True:
            assert server.poll() is None, (tmp_path / "mlflow.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, "mlflow server did not come up"
            time.sleep(1)
        yield url, artifacts
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_runs_registry_and_artifacts_go_to_the_tracking_server(tmp_path, mlflow_server):
    from mlflow import MlflowClient

    from models.registry import configure_mlflow

    url, artifacts = mlflow_server
    settings = Settings(home=tmp_path / "agora_home", mlflow_tracking_uri=url)
    mlflow = configure_mlflow("scale-out-check", settings)
    with mlflow.start_run() as run:
        mlflow.log_metric("auc", 0.75)
        mlflow.log_text("weights would go here", "model/weights.txt")

    client = MlflowClient(tracking_uri=url, registry_uri=url)
    client.create_registered_model("scale-out-model")
    version = client.create_model_version("scale-out-model", f"runs:/{run.info.run_id}/model", run.info.run_id)
    client.set_registered_model_alias("scale-out-model", "champion", version.version)

    champion = client.get_model_version_by_alias("scale-out-model", "champion")
    assert (champion.version, champion.run_id) == (version.version, run.info.run_id)
    assert client.get_run(run.info.run_id).data.metrics["auc"] == 0.75
    assert [p.read_text() for p in artifacts.rglob("weights.txt")] == ["weights would go here"]
    assert not (settings.home / "mlflow.db").exists()  # nothing tracked in the embedded store
