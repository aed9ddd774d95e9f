"""Mastodon pagination: ``max_id`` / ``since_id`` / ``min_id`` and a ``Link`` header."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse


def link_header(request: Request, body: list, ids: list[int], *, headers: dict | None = None) -> JSONResponse:
    """Return ``body`` with a Link header pointing at the next (older) and previous (newer) pages."""
    headers = dict(headers or {})
    if ids:
        base = str(request.url.remove_query_params(["max_id", "since_id", "min_id"]))
        sep = "&" if "?" in base else "?"
        headers["Link"] = (f'<{base}{sep}max_id={ids[-1]}>; rel="next", '
                           f'<{base}{sep}min_id={ids[0]}>; rel="prev"')
    return JSONResponse(body, headers=headers)
