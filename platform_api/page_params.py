"""Mastodon list parameters: ``max_id`` / ``since_id`` / ``min_id`` and a ``limit`` that is
clamped to the endpoint's maximum (as Mastodon clamps it) rather than refused."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends


@dataclass(frozen=True)
class PageParams:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int

    def cursor(self) -> dict:
        return {"max_id": self.max_id, "since_id": self.since_id, "min_id": self.min_id, "limit": self.limit}


def page_params(default: int, maximum: int):
    def _dependency(max_id: int | None = None, since_id: int | None = None, min_id: int | None = None,
                    limit: int = default) -> PageParams:
        return PageParams(max_id, since_id, min_id, max(1, min(limit, maximum)))

    return Depends(_dependency)
