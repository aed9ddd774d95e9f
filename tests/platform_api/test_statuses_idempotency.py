"""``Idempotency-Key``: the same (account, key) gives the same status, never a duplicate —
retried one after the other and raced from two connections at once, on SQLite, PostgreSQL
and MariaDB."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from platform_api.db import create_schema, session_scope
from platform_api.schemas import StatusCreate
from platform_api.services.post_status import PostStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, IdempotencyKey, OutboxEvent, Status


@pytest.fixture
def store(database_url, settings):
    create_schema(settings)
    with session_scope(settings) as session:
        ids = [RegisterAccount(session)(username=n, email=f"{n}@example.org", password="correct horse",
                                        password_hash="-").id
               for n in ("ana", "bo")]
    return settings, ids


def post(settings, account_id: int, key: str | None, text: str = "only once") -> tuple[int, bool]:
    with session_scope(settings) as session:
        poster = PostStatus(session, settings)
        status = poster(session.get(Account, account_id), StatusCreate(status=text), idempotency_key=key)
        return status.id, poster.replayed


def counts(settings) -> tuple[int, int, int]:
    with session_scope(settings) as session:
        return (session.scalar(select(func.count()).select_from(Status)),
                session.scalar(select(func.count()).select_from(IdempotencyKey)),
                session.scalar(select(func.count()).select_from(OutboxEvent)
                               .where(OutboxEvent.event_type == "status.created")))


def test_idempotency_on_each_backend(store):
    """One test per backend (a MariaDB schema costs seconds): retries, then a race."""
    settings, (ana, bo) = store
    retry_replays_the_first_status(settings, ana, bo)
    concurrent_requests_make_one_status(settings, ana)


def retry_replays_the_first_status(settings, ana: int, bo: int) -> None:
    first, replayed = post(settings, ana, "key-1")
    assert not replayed
    again, replayed = post(settings, ana, "key-1", text="a retry may even differ")
    assert (again, replayed) == (first, True)
    assert post(settings, ana, "key-2")[0] != first
    assert post(settings, bo, "key-1")[0] != first  # keys are per account
    assert post(settings, ana, None)[0] != post(settings, ana, None)[0]  # no key: no deduplication
    assert counts(settings) == (5, 3, 5)


def concurrent_requests_make_one_status(settings, ana: int) -> None:
    barrier, results, errors = threading.Barrier(4), [], []

    def attempt():
        try:
            barrier.wait()
            results.append(post(settings, ana, "raced"))  # four connections, one key
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len({status_id for status_id, _ in results}) == 1
    assert sorted(replayed for _, replayed in results) == [False, True, True, True]
    assert counts(settings) == (6, 4, 6)
