"""kill -9 of the API while clients post, like and follow: after a restart every acknowledged
write is there, and the outbox holds exactly one event per change — on SQLite (WAL) and on the
real PostgreSQL and MariaDB servers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx
from sqlalchemy import select

from agora.processes import free_port
from agora.settings import get_settings, reset_settings_cache
from api_people import sign_up
from conftest import REPO_ROOT, wait_for
from platform_api.db import dispose_engines, session_scope
from platform_api.tables import Favourite, Follow, OutboxEvent, Status

CLIENTS = 6
#: Enough acknowledged writes of each kind that the crash lands in the middle of real traffic.
MIN_ACKNOWLEDGED = 60


def start_api(home, env) -> subprocess.Popen:
    log = open(home.parent / "api-crash.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "agora.cli", "serve", "api"], cwd=REPO_ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    wait_for(f"http://127.0.0.1:{env['AGORA_API_PORT']}/health", 90, process)
    return process


class Traffic:
    """Clients that post, like and follow as fast as the server answers, remembering every write
    the server acknowledged (a 200). A request cut off by the crash is not acknowledged."""

    def __init__(self, base: str, people: list[tuple[int, dict]]):
        self.base, self.people = base, people
        self.statuses: set[int] = set()
        self.favourites: set[tuple[int, int]] = set()
        self.follows: set[tuple[int, int]] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def acknowledged(self) -> int:
        with self.lock:
            return min(len(self.statuses), len(self.favourites), len(self.follows))

    def run(self, index: int) -> None:
        rng = random.Random(index)
        me, headers = self.people[index]
        with httpx.Client(base_url=self.base, headers=headers, timeout=10) as http:
            while not self.stop.is_set():
                try:
                    self._one_write(http, rng, me)
                except httpx.HTTPError:
                    return  # the server is gone: this client's last request is not acknowledged

    def _one_write(self, http: httpx.Client, rng: random.Random, me: int) -> None:
        choice = rng.random()
        with self.lock:
            liked_candidates = sorted(self.statuses)
        if choice < 0.4 or not liked_candidates:
            response = http.post("/api/v1/statuses", data={"status": f"durable {rng.random()}"})
            if response.status_code == 200:
                with self.lock:
                    self.statuses.add(int(response.json()["id"]))
        elif choice < 0.75:
            status_id = rng.choice(liked_candidates)
            if http.post(f"/api/v1/statuses/{status_id}/favourite").status_code == 200:
                with self.lock:
                    self.favourites.add((me, status_id))
        else:
            target = rng.choice([p for p, _ in self.people if p != me])
            if http.post(f"/api/v1/accounts/{target}/follow").status_code == 200:
                with self.lock:
                    self.follows.add((me, target))


def test_kill_9_loses_no_acknowledged_write(database_url, agora_home, monkeypatch):
    monkeypatch.setenv("AGORA_API_PORT", str(free_port()))
    monkeypatch.setenv("AGORA_SERVING_PORT", str(free_port()))     # no model services: fallbacks
    monkeypatch.setenv("AGORA_MODERATION_PORT", str(free_port()))
    monkeypatch.setenv("AGORA_RATE_LIMIT_REQUESTS", "100000")
    reset_settings_cache()
    env = dict(os.environ)
    base = f"http://127.0.0.1:{env['AGORA_API_PORT']}"

    server = start_api(agora_home, env)
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            people = [(int(i), h) for i, h in (sign_up(http, f"user{n}") for n in range(CLIENTS))]
        traffic = Traffic(base, people)
        clients = [threading.Thread(target=traffic.run, args=(i,)) for i in range(CLIENTS)]
        for thread in clients:
            thread.start()
        deadline = time.time() + 120
        while traffic.acknowledged() < MIN_ACKNOWLEDGED // 3 and time.time() < deadline:
            time.sleep(0.05)
        os.killpg(server.pid, signal.SIGKILL)       # mid-traffic: requests are in flight
        server.wait(10)
        traffic.stop.set()
        for thread in clients:
            thread.join(15)
        assert traffic.acknowledged() > 0, "no traffic was acknowledged before the crash"

        server = start_api(agora_home, env)       # restart on the same database, no manual step
        with httpx.Client(base_url=base, timeout=30) as http:
            headers = people[0][1]
            for status_id in traffic.statuses:
                assert http.get(f"/api/v1/statuses/{status_id}", headers=headers).status_code == 200
            assert http.post("/api/v1/statuses", headers=headers, data={"status": "after restart"}).status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)

    reset_settings_cache()
    dispose_engines()
    settings = get_settings()
    with session_scope(settings) as session:
        statuses = set(session.scalars(select(Status.id)))
        favourites = set(session.execute(select(Favourite.account_id, Favourite.status_id)).tuples())
        follows = set(session.execute(select(Follow.account_id, Follow.target_account_id)).tuples())
        events = session.execute(select(OutboxEvent.event_type, OutboxEvent.actor_id, OutboxEvent.status_id,
                                        OutboxEvent.target_account_id)).tuples().all()
    dispose_engines()

    assert traffic.statuses <= statuses
    assert traffic.favourites <= favourites
    assert traffic.follows <= follows
    # Exactly one event per change that exists, and no event for a change that does not.
    assert Counter(s for kind, _, s, _ in events if kind == "status.created") == Counter(statuses)
    assert Counter((a, s) for kind, a, s, _ in events if kind == "status.favourited") == Counter(favourites)
    assert Counter((a, t) for kind, a, _, t in events if kind == "account.followed") == Counter(follows)
