"""Shared fixtures: a throwaway ``AGORA_HOME`` per test, the real app, a live server,
and throwaway databases on the real PostgreSQL / MariaDB servers when they are running."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from agora.processes import free_port
from agora.settings import Settings, reset_settings_cache

REPO_ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture
def agora_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "agora_home"
    monkeypatch.setenv("AGORA_HOME", str(home))
    monkeypatch.setenv("AGORA_FEED_CACHE_SECONDS", "0")
    monkeypatch.setenv("AGORA_FEED_RANKING_PROCESSES", "0")   # rank in the request's thread; the pool has its tests
    monkeypatch.setenv("AGORA_FEED_IMPRESSION_FLUSH_SECONDS", "0")   # each page's own write; batches have their tests
    for var in ("AGORA_DATABASE_URL", "AGORA_REDIS_URL", "AGORA_MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(var, raising=False)
    reset_settings_cache()
    yield home
    reset_settings_cache()


@pytest.fixture
def settings(agora_home) -> Settings:
    from agora.settings import get_settings

    return get_settings()


@pytest.fixture
def app(settings):
    from platform_api.main import create_app

    return create_app(settings)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def _server_up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.HTTPError:
        return False


def wait_for(url: str, timeout: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if _server_up(url):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def api_process(home: Path, env: dict, timeout: float = 60) -> Iterator[subprocess.Popen]:
    """``agora serve api`` as a real subprocess with ``env``, once it answers; stopped after."""
    log = open(home.parent / "api.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "agora.cli", "serve", "api"], cwd=REPO_ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{env['AGORA_API_PORT']}/health", timeout, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def api_server(home: Path, env: dict) -> Iterator[str]:
    """``agora serve api`` as a real subprocess with ``env``; yields its base URL, stops it after."""
    with api_process(home, env):
        yield f"http://127.0.0.1:{env['AGORA_API_PORT']}"


@contextmanager
def frozen(pid: int) -> Iterator[None]:
    """A running service made slower than any budget: the process and all its descendants are
    stopped (SIGSTOP; BentoML's workers run in sessions of their own), so the kernel still accepts
    connections but nothing answers. Resumed after."""
    import psutil

    root = psutil.Process(pid)
    processes = [root, *root.children(recursive=True)]
    for process in processes:
        process.suspend()
    try:
        yield
    finally:
        for process in processes:
            try:
                process.resume()
            except psutil.NoSuchProcess:
                pass


def eventually(check, timeout: float = 5.0):
    """Fan-out and stream delivery run after the response: poll ``check`` briefly."""
    deadline = time.time() + timeout
    while True:
        result = check()
        if result or time.time() > deadline:
            return result
        time.sleep(0.05)


@pytest.fixture
def live_api(agora_home, monkeypatch):
    """The real API in a uvicorn subprocess on a free port; yields its base URL."""
    monkeypatch.setenv("AGORA_API_PORT", str(free_port()))
    monkeypatch.setenv("AGORA_SERVING_PORT", str(free_port()))  # no model server: fallback ranking
    monkeypatch.setenv("AGORA_SUGGEST_PORT", str(free_port()))  # no suggestion service: friends of friends
    reset_settings_cache()
    with api_server(agora_home, dict(os.environ)) as base:
        yield base


def _postgres_url() -> str | None:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=2,
                             autocommit=True) as conn:
            name = f"agora_test_{uuid.uuid4().hex[:10]}"
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    except Exception:  # noqa: BLE001 - absent server: skip
        return None


def _drop_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _mysql_url() -> str | None:
    try:
        import pymysql

        conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", connect_timeout=2)
        name = f"agora_test_{uuid.uuid4().hex[:10]}"
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        conn.close()
        return f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
    except Exception:  # noqa: BLE001 - absent server: skip
        return None


def _drop_mysql(url: str) -> None:
    import pymysql

    name = url.rsplit("/", 1)[1].split("?")[0]
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def database_url(request, agora_home, monkeypatch):
    """Each storage test runs on SQLite and on the real PostgreSQL and MariaDB servers."""
    if request.param == "sqlite":
        yield None
        return
    url = _postgres_url() if request.param == "postgresql" else _mysql_url()
    if url is None:
        pytest.skip(f"{request.param} server is not running on 127.0.0.1")
    monkeypatch.setenv("AGORA_DATABASE_URL", url)
    reset_settings_cache()
    try:
        yield url
    finally:
        from platform_api.db import dispose_engines

        dispose_engines()
        (_drop_postgres if request.param == "postgresql" else _drop_mysql)(url)
