"""The model clients' circuit breaker, against real sockets: after a failure the ranker client
answers at once (the feed falls back without waiting out the budget) until the cooldown ends,
then calls the service again."""

from __future__ import annotations

import socket
import time

import pytest

from agora.processes import free_port
from serving.ranker.client import RankerClient, RankerUnavailable


def test_a_failure_opens_the_breaker_for_the_cooldown_then_the_service_is_tried_again():
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        client = RankerClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout_s=0.3, cooldown_s=1.0)
        with pytest.raises(RankerUnavailable, match="timed out"):
            client.score(1, [1], [2], [0.0])
        started = time.perf_counter()
        with pytest.raises(RankerUnavailable, match="failed recently"):
            client.score(1, [1], [2], [0.0])
        assert time.perf_counter() - started < 0.3  # answered without waiting out the budget
        time.sleep(1.1)
        with pytest.raises(RankerUnavailable, match="timed out"):  # cooldown over: tried again
            client.score(1, [1], [2], [0.0])
        client.close()


def test_an_unreachable_service_opens_it_too():
    client = RankerClient(f"http://127.0.0.1:{free_port()}", timeout_s=0.3, cooldown_s=60)
    with pytest.raises(RankerUnavailable, match="unreachable"):
        client.score(1, [1], [2], [0.0])
    with pytest.raises(RankerUnavailable, match="failed recently"):
        client.score(1, [1], [2], [0.0])
    client.close()
