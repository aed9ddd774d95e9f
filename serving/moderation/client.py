"""HTTP client of the moderation service, for the API's write path. One persistent
``httpx.Client`` with the latency budget as its timeout; any failure raises
:class:`ModerationUnavailable`, and the caller accepts the post as pending instead.

After a failure the client stays *open* (answers ``ModerationUnavailable`` at once, without
calling) for ``cooldown_s``: while the service is down, posting costs no connection attempt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from serving.breaker import CircuitBreaker


class ModerationUnavailable(RuntimeError):
    """The moderation service did not answer in time, answered an error, or answered nonsense.
    ``reason`` is one of ``timeout``, ``error`` or ``open`` (not called: it failed moments ago)."""

    def __init__(self, message: str, reason: str = "error"):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Classification:
    label: str
    scores: dict[str, float]
    model: str


class ModerationClient:
    def __init__(self, base_url: str, timeout_s: float = 0.15, cooldown_s: float = 2.0):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.breaker = CircuitBreaker(cooldown_s)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def classify(self, texts: Sequence[str], *, timeout_s: float | None = None) -> list[Classification]:
        """One classification per text, in order. ``timeout_s`` overrides the budget (the
        asynchronous worker has time to wait; a post does not)."""
        if timeout_s is None and self.breaker.open:
            raise ModerationUnavailable(f"moderation at {self.base_url} failed recently; not retrying yet", "open")
        try:
            result = self._classify([str(t) for t in texts], timeout_s or self.timeout_s)
        except ModerationUnavailable:
            self.breaker.failed()
            raise
        self.breaker.succeeded()
        return result

    def _classify(self, texts: list[str], timeout_s: float) -> list[Classification]:
        try:
            response = self._http.post("/classify", json={"texts": texts}, timeout=timeout_s)
        except httpx.TimeoutException as exc:
            raise ModerationUnavailable(f"moderation at {self.base_url} timed out after {timeout_s} s",
                                        "timeout") from exc
        except httpx.HTTPError as exc:
            raise ModerationUnavailable(f"moderation at {self.base_url} unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise ModerationUnavailable(f"moderation at {self.base_url} answered {response.status_code}: "
                                        f"{response.text[:200]}")
        try:
            body = response.json()
            out = [Classification(str(r["label"]), {k: float(v) for k, v in r["scores"].items()}, str(r["model"]))
                   for r in body]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ModerationUnavailable(f"moderation at {self.base_url} answered an unexpected body") from exc
        if len(out) != len(texts):
            raise ModerationUnavailable(f"moderation returned {len(out)} results for {len(texts)} texts")
        return out

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ModerationClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
