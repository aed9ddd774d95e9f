"""Backends going away under a running API: nothing errors, and it recovers by itself.

- Redis (a private ``redis-server`` on a free port, so the machine's shared one is untouched)
  killed: fan-out, home timelines and rate limits fall back to the database and memory; Redis
  back: the API uses it again.
- The database dropping every connection (what a PostgreSQL/MariaDB restart looks like to a
  client): the next requests succeed without a manual step (``pool_pre_ping``)."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis
from fastapi.testclient import TestClient

from agora.processes import free_port
from api_people import sign_up
from agora.settings import reset_settings_cache

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            if client.ping():
                return process
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def home_ids(client, headers) -> list[str]:
    response = client.get("/api/v1/timelines/home", headers=headers, params={"order": "chronological"})
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


def test_redis_killed_and_back(agora_home, monkeypatch):
    port = free_port()
    server = start_redis(port)
    monkeypatch.setenv("AGORA_REDIS_URL", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setenv("AGORA_SERVING_PORT", str(free_port()))
    monkeypatch.setenv("AGORA_MODERATION_PORT", str(free_port()))
    reset_settings_cache()
    from agora.settings import get_settings
    from platform_api.main import create_app

    try:
        with TestClient(create_app(get_settings()), base_url="http://127.0.0.1:8000") as client:
            bo_id, bo = sign_up(client, "bo")
            _, ana = sign_up(client, "ana")
            assert client.post(f"/api/v1/accounts/{bo_id}/follow", headers=ana).status_code == 200
            first = client.post("/api/v1/statuses", headers=bo, data={"status": "Redis is up"}).json()["id"]
            assert home_ids(client, ana) == [first]
            assert redis.Redis(port=port).keys("agora:*"), "the API did not use Redis while it was up"

            server.kill()
            server.wait(5)
            during = client.post("/api/v1/statuses", headers=bo, data={"status": "Redis is down"})
            assert during.status_code == 200, during.text
            assert home_ids(client, ana) == [during.json()["id"], first]
            limited = client.get("/api/v1/accounts/verify_credentials", headers=ana)
            assert limited.status_code == 200 and "X-RateLimit-Remaining" in limited.headers
            assert client.post(f"/api/v1/statuses/{first}/favourite", headers=ana).status_code == 200

            server = start_redis(port)              # back, empty (it keeps nothing on disk)
            after = client.post("/api/v1/statuses", headers=bo, data={"status": "Redis is back"}).json()["id"]
            assert home_ids(client, ana)[0] == after
    finally:
        server.kill()
        server.wait(5)


def kill_every_connection(url: str) -> None:
    """From outside the API's pool, as a server restart would: every connection to the database."""
    database = url.rsplit("/", 1)[1].split("?")[0]
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as admin:
            killed = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                                   (database,)).fetchall()
    else:
        import pymysql

        admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
        with admin.cursor() as cursor:
            cursor.execute("SELECT id FROM information_schema.processlist WHERE db = %s", (database,))
            killed = cursor.fetchall()
            for (connection_id,) in killed:
                cursor.execute(f"KILL {int(connection_id)}")
        admin.close()
    assert killed, "the API held no connection to kill"


@pytest.mark.parametrize("database_url", ["postgresql", "mysql"], indirect=True)
def test_database_connections_dropped_then_recovered(database_url, client):
    _, ana = sign_up(client, "ana")
    assert client.post("/api/v1/statuses", headers=ana, data={"status": "before"}).status_code == 200

    kill_every_connection(database_url)

    response = client.post("/api/v1/statuses", headers=ana, data={"status": "after the restart"})
    assert response.status_code == 200, response.text
    assert client.get("/api/v1/timelines/home", headers=ana).status_code == 200
