"""A circuit breaker for the API's model-service clients.

After a failure the breaker stays *open* for ``cooldown_s``: callers answer from their fallback
at once instead of each waiting out the latency budget, which also sheds load from a service
that is struggling. The first call after the cooldown tries the service again."""

from __future__ import annotations

import threading
import time


class CircuitBreaker:
    def __init__(self, cooldown_s: float = 2.0):
        self.cooldown_s = cooldown_s
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return time.monotonic() < self._open_until

    def failed(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + self.cooldown_s

    def succeeded(self) -> None:
        self._open_until = 0.0
