"""Post-to-follower delivery latency against a live ``agora serve api`` → ``bench/results/delivery.json``.

For authors with 100, 10k and 100k followers, one follower (not the author) measures, per post:

* ``stream``: ``POST /api/v1/statuses`` sent → the ``update`` event for that status read on the
  follower's SSE ``/api/v1/streaming/user``;
* ``home``: the same start → the status first present in the follower's
  ``GET /api/v1/timelines/home?order=chronological`` (polled every :data:`POLL_SECONDS`).

Each size is measured on both paths of the hybrid fan-out, by restarting the API with
``AGORA_FANOUT_THRESHOLD`` above every author (push: the post is written into every follower's
home feed) and at 1 (pull: nothing is written, followers read the author's posts at request
time). The API runs as deployed with Redis (home feeds in Redis sorted sets, streams over Redis
pub/sub; a throwaway key prefix), on SQLite. The baseline, same run, same API: the author's own
post → ``update`` on the author's stream for the 100-follower author (the smallest fan-out).

The world is built once in bulk and cached under ``bench/.cache/``: the authors through
``RegisterAccount``, the readers with multi-row INSERTs (one shared password hash, as
``agora world generate`` does), the follow edges with ``ImportFollows`` (counters, notifications
and ``account.followed`` events included); each run adds only its posts and tokens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.common import CACHE_DIR, latency_summary, quick, save_result

REDIS_URL = "redis://127.0.0.1:6379/0"
POLL_SECONDS = 0.02
WAIT_SECONDS = 180
PASSWORD = "bench-password"


def _settings(home: Path):
    from agora.settings import Settings

    return Settings(home=home, redis_url=None, database_url=None)


def build_world(home: Path, sizes: list[int]) -> None:
    """Authors ``author_<n>`` followed by the first ``n`` of ``max(sizes)`` readers."""
    if (home / "COMPLETE").exists():
        return
    from platform_api.db import create_schema, session_scope
    from platform_api.security import hash_password
    from platform_api.services.import_follows import ImportFollows
    from platform_api.services.register_account import RegisterAccount

    home.mkdir(parents=True, exist_ok=True)
    (home / "agora.db").unlink(missing_ok=True)
    settings = _settings(home)
    create_schema(settings)
    shared_hash = hash_password(PASSWORD)
    readers = max(sizes)
    started = time.perf_counter()
    with session_scope(settings) as session:
        register = RegisterAccount(session)
        authors = {n: register(username=f"author_{n}", email=f"author_{n}@bench.example", password=PASSWORD,
                               password_hash=shared_hash).id for n in sizes}
    at = datetime.now(UTC) - timedelta(days=1)
    reader_ids = []
    for start in range(0, readers, 10_000):
        with session_scope(settings) as session:
            reader_ids += _insert_readers(session, range(start, min(readers, start + 10_000)), shared_hash, at)
        print(f"  delivery world: {len(reader_ids)} readers", file=sys.stderr, flush=True)
    for n, author_id in authors.items():
        with session_scope(settings) as session:
            # One millisecond apart: notification ids are snowflakes of the follow time, 65,536 per ms.
            ImportFollows(session)([(reader, author_id, at + timedelta(milliseconds=i))
                                    for i, reader in enumerate(reader_ids[:n])])
    print(f"  delivery world built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    (home / "COMPLETE").write_text(json.dumps({"sizes": sizes, "readers": readers}))


def _insert_readers(session, numbers: range, password_hash: str, at: datetime) -> list[int]:
    """Accounts ``reader_<i>`` in three multi-row INSERTs (with their ``account.created`` events):
    ``RegisterAccount`` checks name and e-mail uniqueness with a case-insensitive scan per account,
    which is right for sign-ups and quadratic for 100k readers."""
    from sqlalchemy import insert

    from agora.events import EventType
    from platform_api.ids import snowflake_id
    from platform_api.tables import Account, OutboxEvent, User

    ids = [snowflake_id(at + timedelta(milliseconds=i)) for i in numbers]  # unique: 65,536 ids per ms
    session.execute(insert(Account), [{"id": a, "username": f"reader_{i}", "display_name": f"Reader {i}",
                                       "created_at": at} for a, i in zip(ids, numbers)])
    session.execute(insert(User), [{"account_id": a, "email": f"reader_{i}@bench.example",
                                    "password_hash": password_hash, "created_at": at} for a, i in zip(ids, numbers)])
    session.execute(insert(OutboxEvent), [{"event_type": str(EventType.ACCOUNT_CREATED), "actor_id": a,
                                           "occurred_at": at} for a in ids])
    return ids


def _tokens(home: Path, sizes: list[int]) -> dict[int, tuple[str, str]]:
    """Per size: (author token, follower token); the follower is the middle one of that author's readers."""
    from sqlalchemy import select

    from platform_api.db import session_scope
    from platform_api.services.issue_token import IssueToken
    from platform_api.tables import Account

    out = {}
    with session_scope(_settings(home)) as session:
        issue = IssueToken(session)
        for n in sizes:
            author = session.scalar(select(Account).where(Account.username == f"author_{n}"))
            reader = session.scalar(select(Account).where(Account.username == f"reader_{n // 2}"))
            out[n] = (issue(application=None, account=author, scopes="read write")[0],
                      issue(application=None, account=reader, scopes="read write")[0])
    return out


class StreamListener:
    """Reads one SSE user stream in a thread; ``arrived[status_id]`` = perf_counter() of its ``update``."""

    def __init__(self, base: str, token: str):
        self.arrived: dict[str, float] = {}
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(base, token), daemon=True)
        self._thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("the user stream did not open")

    def _read(self, base: str, token: str) -> None:
        with httpx.Client(base_url=base, timeout=httpx.Timeout(10, read=None)) as client, \
                client.stream("GET", "/api/v1/streaming/user", headers={"Authorization": f"Bearer {token}"}) as r:
            r.raise_for_status()
            event = None
            for line in r.iter_lines():
                now = time.perf_counter()
                self.ready.set()
                if self._stop.is_set():
                    return
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "update":
                    self.arrived[json.loads(line.split(":", 1)[1])["id"]] = now

    def wait_for(self, status_id: str, timeout: float) -> float | None:
        deadline = time.perf_counter() + timeout
        while status_id not in self.arrived and time.perf_counter() < deadline:
            time.sleep(0.005)
        return self.arrived.get(status_id)

    def close(self) -> None:
        self._stop.set()


def measure_author(base: str, author_token: str, follower_token: str, posts: int) -> dict:
    client = httpx.Client(base_url=base, timeout=60)
    follower = StreamListener(base, follower_token)
    author = StreamListener(base, author_token)
    stream, home, own = [], [], []
    try:
        for i in range(posts):
            started = time.perf_counter()
            response = client.post("/api/v1/statuses", json={"status": f"delivery bench {uuid.uuid4().hex[:8]} {i}"},
                                   headers={"Authorization": f"Bearer {author_token}"})
            response.raise_for_status()
            status_id = response.json()["id"]
            seen_home = None
            while seen_home is None and time.perf_counter() - started < WAIT_SECONDS:
                page = client.get("/api/v1/timelines/home", params={"order": "chronological", "limit": 5},
                                  headers={"Authorization": f"Bearer {follower_token}"})
                page.raise_for_status()
                if any(s["id"] == status_id for s in page.json()):
                    seen_home = time.perf_counter()
                else:
                    time.sleep(POLL_SECONDS)
            seen_stream = follower.wait_for(status_id, WAIT_SECONDS)
            seen_own = author.wait_for(status_id, WAIT_SECONDS)
            if seen_home is None or seen_stream is None or seen_own is None:
                raise RuntimeError(f"status {status_id} not delivered within {WAIT_SECONDS} s "
                                   f"(home={seen_home is not None}, stream={seen_stream is not None})")
            home.append(seen_home - started)
            stream.append(seen_stream - started)
            own.append(seen_own - started)
    finally:
        follower.close()
        author.close()
        client.close()
    return {"stream": latency_summary(stream), "home": latency_summary(home), "own_stream": latency_summary(own)}


def run_api(home: Path, threshold: int, prefix: str):
    from agora.processes import free_port

    port = free_port()
    env = {**os.environ, "AGORA_HOME": str(home), "AGORA_API_PORT": str(port), "AGORA_REDIS_URL": REDIS_URL,
           "AGORA_REDIS_KEY_PREFIX": prefix, "AGORA_FANOUT_THRESHOLD": str(threshold),
           "AGORA_RATE_LIMIT_REQUESTS": "100000000", "AGORA_MODERATION_PORT": str(free_port()),
           "AGORA_FEED_CACHE_SECONDS": "0", "HF_HUB_OFFLINE": "1"}
    env.pop("AGORA_DATABASE_URL", None)
    log = open(home / f"api-{threshold}.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "agora.cli", "serve", "api"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"agora serve api exited {process.returncode}; see {log.name}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("agora serve api did not become ready")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


def _clear_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*", count=5000))
    for start in range(0, len(keys), 5000):
        client.delete(*keys[start:start + 5000])


def main() -> None:
    sizes = [100, 1_000, 10_000] if quick() else [100, 10_000, 100_000]
    # Fewer posts for 100k followers: each one is 100k feed writes and 100k stream publishes.
    posts = {n: 5 if quick() else {100: 30, 10_000: 20}.get(n, 8) for n in sizes}
    home = CACHE_DIR / f"delivery-{'-'.join(map(str, sizes))}"
    build_world(home, sizes)
    tokens = _tokens(home, sizes)
    prefix = f"bench-delivery-{uuid.uuid4().hex[:8]}:"
    paths = {"push": 10 ** 9, "pull": 1}
    results: dict = {path: {} for path in paths}
    try:
        for path, threshold in paths.items():
            process, base = run_api(home, threshold, prefix)
            try:
                for n in sizes:
                    author_token, follower_token = tokens[n]
                    results[path][str(n)] = measure_author(base, author_token, follower_token, posts[n])
                    r = results[path][str(n)]
                    print(f"  {path} {n} followers: stream p50 {r['stream']['p50_ms']} ms p99 "
                          f"{r['stream']['p99_ms']} ms; home p50 {r['home']['p50_ms']} ms p99 {r['home']['p99_ms']} ms",
                          file=sys.stderr, flush=True)
            finally:
                _stop(process)
    finally:
        _clear_prefix(prefix)
    baseline = results["push"][str(sizes[0])]["own_stream"]
    save_result("delivery", {
        "description": "POST /api/v1/statuses → update on a follower's SSE user stream (stream) and → present "
                       "in the follower's chronological home timeline (home), per author size and fan-out path; "
                       "API with Redis, SQLite; baseline: the author's own stream, 100-follower author, push path",
        "sizes": sizes, "posts_per_author": {str(n): posts[n] for n in sizes}, "home_poll_ms": POLL_SECONDS * 1000,
        "fanout_threshold": {"push": "1e9 (every author below it)", "pull": "1 (every author above it)"},
        "baseline": {"name": "own stream, 100-follower author (push)", **baseline},
        "push": results["push"], "pull": results["pull"],
        "note": "sequential posts; with 8-30 posts per author the p99 is close to the maximum",
    })


if __name__ == "__main__":
    main()
