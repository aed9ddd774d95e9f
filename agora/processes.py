"""Start, watch and stop the processes of a running Agora (API, BentoML services).

Used by ``agora serve`` and ``agora demo``: every child is stopped on Ctrl-C or when one dies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from agora.settings import REPO_ROOT, Settings


def free_port() -> int:
    """A TCP port nobody listens on right now (for side-by-side instances and tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServiceGroup:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.processes: dict[str, subprocess.Popen] = {}

    def _env(self) -> dict:
        env = dict(os.environ)
        env.update({"AGORA_HOME": str(self.settings.home), "AGORA_API_PORT": str(self.settings.api_port),
                    "AGORA_SERVING_PORT": str(self.settings.serving_port),
                    "AGORA_MODERATION_PORT": str(self.settings.moderation_port),
                    "AGORA_SUGGEST_PORT": str(self.settings.suggest_port),
                    "AGORA_RETRIEVAL_PORT": str(self.settings.retrieval_port), "HF_HUB_OFFLINE": "1"})
        env.setdefault("BENTOML_DO_NOT_TRACK", "true")   # no usage reports (nor their thread) from our services
        return env

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log_path = self.settings.home / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=self._env(), stdout=open(log_path, "ab"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        print(f"started {name} (pid {process.pid}), log: {log_path}", file=sys.stderr)
        return process

    def start_ranker(self) -> None:
        bentoml = os.path.join(os.path.dirname(sys.executable), "bentoml")
        self._start("ranker", [bentoml, "serve", "serving.ranker.service:RankerService",
                               "--host", self.settings.serving_host, "--port", str(self.settings.serving_port)])

    def start_moderation(self) -> None:
        bentoml = os.path.join(os.path.dirname(sys.executable), "bentoml")
        self._start("moderation", [bentoml, "serve", "serving.moderation.service:ModerationService",
                                   "--host", self.settings.moderation_host,
                                   "--port", str(self.settings.moderation_port)])

    def start_retrieval(self) -> None:
        bentoml = os.path.join(os.path.dirname(sys.executable), "bentoml")
        self._start("retrieval", [bentoml, "serve", "serving.retrieval.service:RetrievalService",
                                  "--host", self.settings.retrieval_host, "--port", str(self.settings.retrieval_port)])

    def start_suggest(self) -> None:
        bentoml = os.path.join(os.path.dirname(sys.executable), "bentoml")
        self._start("suggest", [bentoml, "serve", "serving.suggest.service:SuggestService",
                                "--host", self.settings.suggest_host, "--port", str(self.settings.suggest_port)])

    def start_api(self) -> None:
        self._start("api", [sys.executable, "-m", "agora.cli", "serve", "api"])

    def wait_ready(self, timeout: float = 120) -> dict[str, bool]:
        checks = {"api": f"{self.settings.api_url}/health", "ranker": f"{self.settings.serving_url}/readyz",
                  "moderation": f"{self.settings.moderation_url}/readyz",
                  "suggest": f"{self.settings.suggest_url}/readyz",
                  "retrieval": f"{self.settings.retrieval_url}/readyz"}
        ready = {}
        deadline = time.time() + timeout
        for name in self.processes:
            ready[name] = False
            while time.time() < deadline and self.processes[name].poll() is None:
                try:
                    if httpx.get(checks[name], timeout=2).status_code == 200:
                        ready[name] = True
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
        return ready

    def print_urls(self) -> None:
        s = self.settings
        print(f"\nAPI:          {s.api_url}\nOpenAPI docs: {s.api_url}/docs\nMetrics:      {s.api_url}/metrics")
        if "ranker" in self.processes:
            print(f"Ranker:       {s.serving_url} (BentoML)")
        if "moderation" in self.processes:
            print(f"Moderation:   {s.moderation_url} (BentoML)")
        if "suggest" in self.processes:
            print(f"Suggestions:  {s.suggest_url} (BentoML)")
        if "retrieval" in self.processes:
            print(f"Retrieval:    {s.retrieval_url} (BentoML)")
        print(f"MLflow UI:    .venv/bin/mlflow ui --backend-store-uri {s.mlflow_uri} --port 5000")

    def wait(self) -> int:
        """Block until Ctrl-C or a child dies; then stop every child."""
        try:
            while True:
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        print(f"{name} exited with code {process.returncode}; stopping", file=sys.stderr)
                        return process.returncode or 1
                time.sleep(0.5)
        except KeyboardInterrupt:
            return 0
        finally:
            self.stop()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
