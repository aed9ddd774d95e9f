"""HTTP client of the ranker service, for the API's feed. One persistent ``httpx.Client``
(a new connection per call costs ~24 ms); any failure raises :class:`RankerUnavailable`
so the caller can fall back to chronological order — and opens a circuit breaker, so for the
next ``cooldown_s`` feeds fall back at once instead of each waiting out the budget."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from serving.breaker import CircuitBreaker


class RankerUnavailable(RuntimeError):
    """The ranker did not answer in time, answered an error, or answered nonsense.
    ``service_failed`` is false for a request the service refused (4xx): the caller's fault,
    which says nothing about the service's health."""

    def __init__(self, message: str, service_failed: bool = True):
        super().__init__(message)
        self.service_failed = service_failed


class RankerClient:
    def __init__(self, base_url: str, timeout_s: float = 0.3, cooldown_s: float = 2.0):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.breaker = CircuitBreaker(cooldown_s)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def score(self, viewer_id: int, status_ids: Sequence[int], author_ids: Sequence[int],
              ages_seconds: Sequence[float], alias: str = "champion") -> tuple[list[float], str]:
        """One score per candidate, in order, and the model that produced them ("ranker/<version>");
        ``alias`` picks the registered model (``champion``, or ``challenger`` in an experiment)."""
        if self.breaker.open:
            raise RankerUnavailable(f"ranker at {self.base_url} failed recently; not retrying yet")
        try:
            result = self._score(viewer_id, status_ids, author_ids, ages_seconds, alias)
        except RankerUnavailable as exc:
            if exc.service_failed:
                self.breaker.failed()
            raise
        self.breaker.succeeded()
        return result

    def _score(self, viewer_id, status_ids, author_ids, ages_seconds, alias) -> tuple[list[float], str]:
        payload = {"viewer_id": int(viewer_id), "status_ids": [int(s) for s in status_ids],
                   "author_ids": [int(a) for a in author_ids], "ages_seconds": [float(a) for a in ages_seconds],
                   "alias": alias}
        try:
            response = self._http.post("/score", json={"requests": [payload]})  # the service batches callers
        except httpx.TimeoutException as exc:
            raise RankerUnavailable(f"ranker at {self.base_url} timed out after {self.timeout_s} s") from exc
        except httpx.HTTPError as exc:
            raise RankerUnavailable(f"ranker at {self.base_url} unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise RankerUnavailable(f"ranker at {self.base_url} answered {response.status_code}: "
                                    f"{response.text[:200]}", service_failed=response.status_code >= 500)
        try:
            (body,) = response.json()
            scores, model = [float(s) for s in body["scores"]], str(body["model"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RankerUnavailable(f"ranker at {self.base_url} answered an unexpected body") from exc
        if len(scores) != len(payload["status_ids"]):
            raise RankerUnavailable(f"ranker returned {len(scores)} scores for {len(payload['status_ids'])} candidates")
        return scores, model

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RankerClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
