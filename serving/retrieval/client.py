"""HTTP client of the retrieval service, for the feed's embeddings source. One persistent
``httpx.Client``; any failure raises :class:`RetrievalUnavailable` (the source then returns
nothing and the feed answers from its other sources)."""

from __future__ import annotations

import httpx


class RetrievalUnavailable(RuntimeError):
    """The retrieval service did not answer in time, answered an error, or answered nonsense."""


#: Adding a post runs after the response (MiniLM embeds it), so it may take longer than a feed's neighbours.
ADD_TIMEOUT_S = 5.0


class RetrievalClient:
    def __init__(self, base_url: str, timeout_s: float = 0.3):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def neighbours(self, viewer_id: int) -> tuple[list[int], list[float], str]:
        """The viewer's nearest posts (status ids, best first), their scores, and the model."""
        response = self._post("/neighbours", {"viewer_ids": [int(viewer_id)]}, self.timeout_s)
        try:
            (body,) = response.json()
            ids, scores = [int(s) for s in body["status_ids"]], [float(s) for s in body["scores"]]
            model = str(body["model"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RetrievalUnavailable(f"retrieval at {self.base_url} answered an unexpected body") from exc
        if len(ids) != len(scores):
            raise RetrievalUnavailable("retrieval returned mismatched ids and scores")
        return ids, scores, model

    def add(self, posts: list[dict]) -> list[bool]:
        """Put new posts (``status_id``, ``author_id``, ``text``, ``tags``) into the service's
        index; per post, whether it went in (False: it was there already)."""
        response = self._post("/add", {"posts": posts}, ADD_TIMEOUT_S)
        try:
            added = [bool(flag) for flag in response.json()]
        except (ValueError, TypeError) as exc:
            raise RetrievalUnavailable(f"retrieval at {self.base_url} answered an unexpected body") from exc
        if len(added) != len(posts):
            raise RetrievalUnavailable(f"retrieval answered {len(added)} flags for {len(posts)} posts")
        return added

    def _post(self, path: str, body: dict, timeout_s: float) -> httpx.Response:
        try:
            response = self._http.post(path, json=body, timeout=timeout_s)
        except httpx.TimeoutException as exc:
            raise RetrievalUnavailable(f"retrieval at {self.base_url} timed out after {timeout_s} s") from exc
        except httpx.HTTPError as exc:
            raise RetrievalUnavailable(f"retrieval at {self.base_url} unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise RetrievalUnavailable(f"retrieval at {self.base_url} answered {response.status_code}: "
                                       f"{response.text[:200]}")
        return response

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RetrievalClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
