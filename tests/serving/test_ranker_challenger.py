"""The ranker service scores with ``@challenger`` when an experiment's arm asks for it (and
with the champion while there is no challenger), over HTTP with the feed's client."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import ml_chain
from agora.processes import free_port
from agora.settings import REPO_ROOT
from conftest import wait_for
from serving.ranker.client import RankerClient, RankerUnavailable

BENTOML = str(Path(sys.executable).with_name("bentoml"))
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return ml_chain.chain(tmp_path_factory).ranker()


@pytest.fixture(scope="module")
def service_url(chain):
    port = free_port()
    home = chain.settings.home
    env = {**os.environ, "AGORA_HOME": str(home), "BENTOML_HOME": str(home / "bentoml"),
           "BENTOML_DO_NOT_TRACK": "true"}
    log = open(home / "ranker-challenger.log", "wb")
    process = subprocess.Popen([BENTOML, "serve", "serving.ranker.service:RankerService", "--port", str(port)],
                               cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", 240, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
        log.close()


def test_challenger_alias_scores_with_the_challenger_once_loaded(chain, service_url):
    import httpx
    from mlflow import MlflowClient

    from models.registry import configure_mlflow

    configure_mlflow("ranker", chain.settings)
    registry = MlflowClient()
    champion = registry.get_model_version_by_alias("ranker", "champion").version
    if "challenger" in registry.get_registered_model("ranker").aliases:   # left by the gate tests
        registry.delete_registered_model_alias("ranker", "challenger")
    httpx.post(f"{service_url}/reload", json={}, timeout=120).raise_for_status()
    args = (ml_chain.ACCOUNTS[3], [ml_chain.FIRST_STATUS_ID], [ml_chain.AUTHORS[0]], [60.0])
    with RankerClient(service_url, timeout_s=30) as client:
        scores, model = client.score(*args, alias="challenger")             # none yet: the champion answers
        assert model == f"ranker/{champion}"
        registry.set_registered_model_alias("ranker", "challenger", champion)
        try:
            httpx.post(f"{service_url}/reload", json={}, timeout=120).raise_for_status()
            challenger_scores, model = client.score(*args, alias="challenger")
        finally:
            registry.delete_registered_model_alias("ranker", "challenger")
        assert model == f"ranker/{champion}" and challenger_scores == pytest.approx(scores)
        with pytest.raises(RankerUnavailable, match="400"):
            client.score(*args, alias="best-guess")
