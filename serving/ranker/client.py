"""The API's client for the ranker service: one persistent HTTP client, a latency budget,
and a clear exception on any failure (the feed then falls back to chronological order)."""

from __future__ import annotations

import httpx


class RankerUnavailable(RuntimeError):
    pass


class RankerClient:
    def __init__(self, base_url: str, timeout_s: float = 0.3):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def score(self, *, viewer_id: int, status_ids: list[int], author_ids: list[int],
              ages_seconds: list[float]) -> tuple[list[float], str]:
        try:
            response = self._http.post("/score", json={"viewer_id": viewer_id, "status_ids": status_ids,
                                                       "author_ids": author_ids, "ages_seconds": ages_seconds})
            response.raise_for_status()
            body = response.json()
            return body["scores"], body["model"]
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise RankerUnavailable(f"{exc.__class__.__name__}: {exc}") from exc

    def close(self) -> None:
        self._http.close()
