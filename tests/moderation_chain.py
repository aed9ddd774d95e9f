"""A tiny ``moderation-text`` model and its BentoML service, for the moderation tests.

The model is trained on ``models/moderation/smoke_data.py`` (made-up hateful, offensive and
neutral sentences; never any copy of the Davidson data): three short epochs teach MiniLM the
templates well enough that each example text lands firmly in its class.
Imported as ``moderation_chain`` (``tests/`` is on ``sys.path``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agora.processes import free_port
from models.moderation.smoke_data import HATEFUL, NEUTRAL, OFFENSIVE, write_smoke_csv  # noqa: F401 - re-exported

REPO_ROOT = Path(__file__).resolve().parent.parent


def agora_env(home: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGORA_", "MLFLOW_"))}
    env.update({"AGORA_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "OMP_NUM_THREADS": "2", **extra})
    return env


def train_tiny_moderator(home: Path) -> None:
    """``agora moderation train`` on the smoke CSV into ``home``'s MLflow registry (@champion)."""
    data = write_smoke_csv(home / "smoke_moderation.csv")
    subprocess.run([sys.executable, "-m", "agora.cli", "moderation", "train", "--data", str(data),
                    "--epochs", "3", "--batch-size", "16", "--head-lr", "3e-3", "--no-progress"],
                   cwd=REPO_ROOT, env=agora_env(home), check=True, capture_output=True)


@dataclass(frozen=True)
class RunningService:
    url: str
    pid: int


@contextmanager
def moderation_service(home: Path):
    """``bentoml serve`` of ``serving.moderation.service`` on a free port; yields its URL and pid."""
    from conftest import wait_for

    port = free_port()
    log = open(home / "moderation-service.log", "wb")
    bentoml = os.path.join(os.path.dirname(sys.executable), "bentoml")
    process = subprocess.Popen([bentoml, "serve", "serving.moderation.service:ModerationService",
                                "--host", "127.0.0.1", "--port", str(port)],
                               cwd=REPO_ROOT, env=agora_env(home), stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", 180, process)
        yield RunningService(f"http://127.0.0.1:{port}", process.pid)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()
