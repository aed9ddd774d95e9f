"""HTTP client of the follow-suggest service, for the API. One persistent ``httpx.Client``;
any failure -- timeout past the latency budget, error, nonsense -- raises
:class:`SuggestUnavailable` so the caller can fall back to friends of friends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx


class SuggestUnavailable(RuntimeError):
    """The suggestion service did not answer in time, answered an error, or answered nonsense."""


@dataclass(frozen=True)
class ServedSuggestion:
    account_id: int
    score: float
    sources: tuple[str, ...]
    similar_to: int | None


class SuggestClient:
    def __init__(self, base_url: str, timeout_s: float = 0.3):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def suggest(self, viewer_id: int, following_ids: Sequence[int], recently_followed_ids: Sequence[int],
                limit: int) -> tuple[list[ServedSuggestion], str]:
        """Ranked suggestions, best first, and the model that produced them ("follow-suggest/<version>")."""
        payload = {"viewer_id": int(viewer_id), "following_ids": [int(i) for i in following_ids],
                   "recently_followed_ids": [int(i) for i in recently_followed_ids], "limit": int(limit)}
        try:
            response = self._http.post("/suggest", json=payload)
        except httpx.TimeoutException as exc:
            raise SuggestUnavailable(f"suggestions at {self.base_url} timed out after {self.timeout_s} s") from exc
        except httpx.HTTPError as exc:
            raise SuggestUnavailable(f"suggestions at {self.base_url} unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise SuggestUnavailable(f"suggestions at {self.base_url} answered {response.status_code}: "
                                     f"{response.text[:200]}")
        try:
            body = response.json()
            found = [ServedSuggestion(int(s["account_id"]), float(s["score"]), tuple(str(x) for x in s["sources"]),
                                      None if s["similar_to"] is None else int(s["similar_to"]))
                     for s in body["suggestions"]]
            return found, str(body["model"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SuggestUnavailable(f"suggestions at {self.base_url} answered an unexpected body") from exc

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SuggestClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
