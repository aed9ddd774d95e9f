"""The web client's way into the API: the same application, called in-process over ASGI with
the signed-in user's token, so a page shows exactly what any Mastodon client would get and no
business rule is written twice."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import Request

TOKEN_COOKIE = "agora_token"


class ApiCallFailed(Exception):
    """The API said no (4xx/5xx); the page shows its message with the same status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class OwnApi:
    def __init__(self, app, token: str | None, client: tuple[str, int]):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # The browser's address, so token-less calls count against its own rate limit.
        transport = httpx.ASGITransport(app=app, client=client)
        self._client = httpx.AsyncClient(transport=transport, base_url="http://agora.internal", headers=headers)
        self.signed_in = token is not None

    async def get(self, path: str, **params):
        return self._json(await self._client.get(path, params=params))

    async def post(self, path: str, data: dict | None = None, files: dict | None = None):
        return self._json(await self._client.post(path, data=data, files=files))

    async def delete(self, path: str):
        return self._json(await self._client.delete(path))

    async def get_or_none(self, path: str, **params):
        """``None`` where the API does not have the route (yet) or this user may not read it."""
        response = await self._client.get(path, params=params)
        return None if response.status_code in (403, 404, 405) else self._json(response)

    @staticmethod
    def _json(response: httpx.Response):
        if response.status_code >= 400:
            try:
                message = response.json().get("error") or response.reason_phrase
            except ValueError:
                message = response.reason_phrase
            raise ApiCallFailed(response.status_code, str(message))
        return response.json()

    async def aclose(self) -> None:
        await self._client.aclose()


async def own_api(request: Request) -> AsyncIterator[OwnApi]:
    client = (request.client.host, request.client.port) if request.client else ("127.0.0.1", 0)
    api = OwnApi(request.app, request.cookies.get(TOKEN_COOKIE), client)
    try:
        yield api
    finally:
        await api.aclose()
