"""HTTP client of the retrieval service, for the feed's embeddings source. One persistent
``httpx.Client``; any failure raises :class:`RetrievalUnavailable` (the source then returns
nothing and the feed answers from its other sources)."""

from __future__ import annotations

import httpx


class RetrievalUnavailable(RuntimeError):
    """The retrieval service did not answer in time, answered an error, or answered nonsense."""


class RetrievalClient:
    def __init__(self, base_url: str, timeout_s: float = 0.3):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def neighbours(self, viewer_id: int) -> tuple[list[int], list[float], str]:
        """The viewer's nearest posts (status ids, best first), their scores, and the model."""
        try:
            response = self._http.post("/neighbours", json={"viewer_ids": [int(viewer_id)]})
        except httpx.TimeoutException as exc:
            raise RetrievalUnavailable(f"retrieval at {self.base_url} timed out after {self.timeout_s} s") from exc
        except httpx.HTTPError as exc:
            raise RetrievalUnavailable(f"retrieval at {self.base_url} unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise RetrievalUnavailable(f"retrieval at {self.base_url} answered {response.status_code}: "
                                       f"{response.text[:200]}")
        try:
            (body,) = response.json()
            ids, scores = [int(s) for s in body["status_ids"]], [float(s) for s in body["scores"]]
            model = str(body["model"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RetrievalUnavailable(f"retrieval at {self.base_url} answered an unexpected body") from exc
        if len(ids) != len(scores):
            raise RetrievalUnavailable("retrieval returned mismatched ids and scores")
        return ids, scores, model

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RetrievalClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
