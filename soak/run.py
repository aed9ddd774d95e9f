"""``make soak``: minutes of mixed traffic against a live ``agora serve api`` while it is killed
with SIGKILL and its Redis is killed and restarted, over and over. At the end:

* every write the server acknowledged (a 200) is in the database (statuses, favourites, follows);
* the outbox holds exactly one event per change in the database (no loss, no double);
* no request was answered with a 5xx (refused connections while the API restarts are counted,
  not failures: a client retries those).

Redis is a private ``redis-server`` on a free port (the machine's shared one is untouched); the
database is SQLite in WAL mode under a throwaway ``AGORA_HOME`` unless ``--database-url`` says
otherwise. Figures go to stdout and ``soak/results/soak.json``; exit status 1 if a promise broke.

    python -m soak.run --minutes 10 [--kill-every 60] [--redis-every 45] [--clients 6]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
SCOPES = "read write follow"


class Traffic:
    """Clients that post, like, follow and read as fast as the server answers. They remember every
    acknowledged write and every 5xx; a refused or cut-off request is neither."""

    def __init__(self, base: str, people: list[tuple[int, str]]):
        self.base, self.people = base, people
        self.statuses: set[int] = set()
        self.favourites: set[tuple[int, int]] = set()
        self.follows: set[tuple[int, int]] = set()
        self.server_errors: list[dict] = []
        self.unavailable = 0
        self.latencies: list[float] = []
        self.requests: Counter = Counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def run(self, index: int) -> None:
        rng = random.Random(index)
        me, token = self.people[index]
        with httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {token}"}, timeout=15) as http:
            while not self.stop.is_set():
                try:
                    self._one(http, rng, me)
                except httpx.HTTPError:
                    with self.lock:
                        self.unavailable += 1
                    time.sleep(0.2)  # the API is restarting

    def _call(self, http: httpx.Client, kind: str, method: str, url: str, **kw) -> httpx.Response:
        started = time.perf_counter()
        response = http.request(method, url, **kw)
        with self.lock:
            self.requests[kind] += 1
            self.latencies.append(time.perf_counter() - started)
            if response.status_code >= 500:
                self.server_errors.append({"kind": kind, "url": url, "status": response.status_code,
                                           "body": response.text[:300]})
        return response

    def _one(self, http: httpx.Client, rng: random.Random, me: int) -> None:
        choice = rng.random()
        with self.lock:
            known = sorted(self.statuses)
        if choice < 0.35 or not known:
            response = self._call(http, "post", "POST", "/api/v1/statuses", data={"status": f"soak {rng.random()}"})
            if response.status_code == 200:
                with self.lock:
                    self.statuses.add(int(response.json()["id"]))
        elif choice < 0.6:
            status_id = rng.choice(known)
            if self._call(http, "favourite", "POST", f"/api/v1/statuses/{status_id}/favourite").status_code == 200:
                with self.lock:
                    self.favourites.add((me, status_id))
        elif choice < 0.7:
            target = rng.choice([p for p, _ in self.people if p != me])
            if self._call(http, "follow", "POST", f"/api/v1/accounts/{target}/follow").status_code == 200:
                with self.lock:
                    self.follows.add((me, target))
        elif choice < 0.9:
            self._call(http, "home", "GET", "/api/v1/timelines/home", params={"limit": 20})
        else:
            self._call(http, "status", "GET", f"/api/v1/statuses/{rng.choice(known)}")


def start_redis(port: int) -> subprocess.Popen:
    import redis

    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            if client.ping():
                return process
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def start_api(env: dict, log: Path) -> tuple[subprocess.Popen, float]:
    """The API process and the seconds until its ``/health`` answered."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "agora.cli", "serve", "api"], cwd=REPO_ROOT, env=env,
                               stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{env['AGORA_API_PORT']}/health"
    while time.perf_counter() - started < 120:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited with {process.returncode}; see {log}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process, time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"the API did not become healthy; see {log}")


def create_people(settings, count: int) -> list[tuple[int, str]]:
    from platform_api.db import create_schema, session_scope
    from platform_api.services.issue_token import IssueToken
    from platform_api.services.register_account import RegisterAccount

    create_schema(settings)
    with session_scope(settings) as session:
        people = []
        for n in range(count):
            account = RegisterAccount(session)(username=f"soak{n}", email=f"soak{n}@soak.example",
                                               password="soak-password")
            people.append((account.id, IssueToken(session)(application=None, account=account, scopes=SCOPES)[0]))
    return people


def verify(settings, traffic: Traffic) -> dict:
    """What the database holds against what was acknowledged, and the outbox against the database."""
    from sqlalchemy import select

    from platform_api.db import dispose_engines, session_scope
    from platform_api.tables import Favourite, Follow, OutboxEvent, Status

    dispose_engines()
    with session_scope(settings) as session:
        statuses = set(session.scalars(select(Status.id)))
        favourites = {tuple(r) for r in session.execute(select(Favourite.account_id, Favourite.status_id))}
        follows = {tuple(r) for r in session.execute(select(Follow.account_id, Follow.target_account_id))}
        events = session.execute(select(OutboxEvent.event_type, OutboxEvent.actor_id, OutboxEvent.status_id,
                                        OutboxEvent.target_account_id)).all()
    dispose_engines()
    created = Counter(s for kind, _, s, _ in events if kind == "status.created")
    favourited = Counter((a, s) for kind, a, s, _ in events if kind == "status.favourited")
    followed = Counter((a, t) for kind, a, _, t in events if kind == "account.followed")
    return {
        "acknowledged": {"statuses": len(traffic.statuses), "favourites": len(traffic.favourites),
                         "follows": len(traffic.follows)},
        "in_database": {"statuses": len(statuses), "favourites": len(favourites), "follows": len(follows)},
        "lost": {"statuses": len(traffic.statuses - statuses), "favourites": len(traffic.favourites - favourites),
                 "follows": len(traffic.follows - follows)},
        "outbox_mismatches": {"status.created": _mismatches(created, statuses),
                              "status.favourited": _mismatches(favourited, favourites),
                              "account.followed": _mismatches(followed, follows)},
    }


def _mismatches(events: Counter, rows: set) -> int:
    """Rows without exactly one event, plus events of rows that do not exist."""
    return sum(1 for row in rows if events[row] != 1) + sum(1 for key in events if key not in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--kill-every", type=float, default=60, help="seconds between kill -9 of the API")
    parser.add_argument("--redis-every", type=float, default=45, help="seconds between Redis kills")
    parser.add_argument("--redis-down", type=float, default=8, help="seconds Redis stays down")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--database-url", help="default: SQLite (WAL) in the throwaway home")
    parser.add_argument("--home", type=Path, help="default: a new directory under /tmp")
    args = parser.parse_args(argv)

    from agora.processes import free_port
    from agora.settings import Settings

    home = args.home or Path(tempfile.mkdtemp(prefix="agora-soak-"))
    redis_port = free_port()
    env = {**os.environ, "AGORA_HOME": str(home), "AGORA_API_PORT": str(free_port()),
           "AGORA_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "AGORA_SERVING_PORT": str(free_port()),
           "AGORA_MODERATION_PORT": str(free_port()), "AGORA_SUGGEST_PORT": str(free_port()),
           "AGORA_RETRIEVAL_PORT": str(free_port()), "AGORA_RATE_LIMIT_REQUESTS": "100000000",
           "HF_HUB_OFFLINE": "1"}
    if args.database_url:
        env["AGORA_DATABASE_URL"] = args.database_url
    else:
        env.pop("AGORA_DATABASE_URL", None)
    settings = Settings(home=home, database_url=args.database_url)
    settings.ensure_dirs()
    people = create_people(settings, max(args.clients, 2))
    log = home / "api-soak.log"

    redis_server = start_redis(redis_port)
    api, first_start = start_api(env, log)
    traffic = Traffic(f"http://127.0.0.1:{env['AGORA_API_PORT']}", people)
    clients = [threading.Thread(target=traffic.run, args=(i,), daemon=True) for i in range(len(people))]
    for thread in clients:
        thread.start()
    began = time.time()
    end = began + args.minutes * 60
    next_kill, next_redis = began + args.kill_every, began + args.redis_every
    recoveries, redis_restarts, redis_down_since = [], 0, None
    print(f"soak: {args.minutes} min, home {home}, API kill every {args.kill_every} s, "
          f"Redis kill every {args.redis_every} s for {args.redis_down} s", file=sys.stderr, flush=True)
    try:
        while time.time() < end:
            now = time.time()
            if redis_down_since is not None and now - redis_down_since >= args.redis_down:
                redis_server = start_redis(redis_port)
                redis_down_since = None
                redis_restarts += 1
            elif redis_down_since is None and now >= next_redis:
                redis_server.kill()
                redis_server.wait(5)
                redis_down_since, next_redis = now, now + args.redis_every
            if now >= next_kill:
                os.killpg(api.pid, signal.SIGKILL)   # mid-traffic: requests are in flight
                api.wait(10)
                api, seconds = start_api(env, log)
                recoveries.append(seconds)
                next_kill = time.time() + args.kill_every
                print(f"  {time.time() - began:5.0f} s: API killed -9 and back in {seconds:.1f} s; "
                      f"acknowledged {len(traffic.statuses)} posts, 5xx {len(traffic.server_errors)}",
                      file=sys.stderr, flush=True)
            time.sleep(0.1)
    finally:
        traffic.stop.set()
        for thread in clients:
            thread.join(20)
        os.killpg(api.pid, signal.SIGKILL)   # the last crash: verification reads what survived it
        api.wait(10)
        if redis_down_since is None:
            redis_server.kill()
            redis_server.wait(5)
    checks = verify(settings, traffic)
    ms = np.asarray(traffic.latencies) * 1000
    figures = {
        "minutes": args.minutes, "clients": len(people), "database": settings.db_url.split(":")[0],
        "api_kills": len(recoveries) + 1, "redis_kills": redis_restarts + (redis_down_since is not None),
        "api_recovery_seconds": {"mean": round(float(np.mean(recoveries)), 2) if recoveries else None,
                                 "max": round(float(np.max(recoveries)), 2) if recoveries else None,
                                 "first_start": round(first_start, 2)},
        "requests": dict(traffic.requests), "requests_total": int(sum(traffic.requests.values())),
        "latency_ms": {"p50": round(float(np.percentile(ms, 50)), 1), "p99": round(float(np.percentile(ms, 99)), 1)}
        if len(ms) else {},
        "refused_or_cut_off": traffic.unavailable, "server_errors_5xx": len(traffic.server_errors),
        "server_error_samples": traffic.server_errors[:10], **checks,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    ok = (not traffic.server_errors and not any(checks["lost"].values())
          and not any(checks["outbox_mismatches"].values()) and checks["acknowledged"]["statuses"] > 0)
    figures["passed"] = ok
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    print(f"soak {'PASSED' if ok else 'FAILED'}; figures in {RESULTS / 'soak.json'}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
