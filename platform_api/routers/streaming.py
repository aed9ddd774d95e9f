"""Mastodon's streaming API: server-sent events per stream, a multiplexed WebSocket, the
health check, and who is online (an Agora extension)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from platform_api.deps import DbSession, OptionalToken, require, scope_allows
from platform_api.errors import ApiError
from platform_api.streaming import channels
from platform_api.streaming.auth import StreamAuthError, authenticate
from platform_api.streaming.channels import StreamError, StreamRequest
from platform_api.streaming.connection import StreamConnection
from platform_api.tables import Account

router = APIRouter(tags=["streaming"])

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


@router.get("/api/v1/streaming/health", response_class=PlainTextResponse)
def health() -> str:
    return "OK"


def _viewer_id(ctx) -> int | None:
    if ctx is None:
        return None
    if not scope_allows(ctx.scopes, "read:statuses"):
        raise ApiError(403, "This action is outside the authorized scopes")
    return ctx.account.id if ctx.account else None


def _event_stream(request: Request, viewer_id: int | None, stream: StreamRequest) -> StreamingResponse:
    hub = request.app.state.hub
    heartbeat = request.app.state.settings.stream_heartbeat_seconds

    async def body():
        with StreamConnection(hub, viewer_id) as connection:
            connection.subscribe(stream)
            yield ":)\n"
            while True:
                item = await connection.next(heartbeat)
                if item is None:
                    connection.heartbeat()
                    yield ":thump\n"
                    continue
                _, message = item
                yield f"event: {message['event']}\ndata: {message['payload']}\n\n"

    return StreamingResponse(body(), media_type="text/event-stream", headers=SSE_HEADERS)


def _sse(request: Request, db, ctx, name: str, *, tag: str | None = None, only_media: bool = False):
    db.close()  # authenticated: hold no connection for the life of the stream
    viewer_id = _viewer_id(ctx)
    try:
        stream = channels.resolve(name, viewer_id, tag=tag, only_media=only_media)
    except StreamError as exc:
        raise ApiError(exc.status, str(exc)) from exc
    return _event_stream(request, viewer_id, stream)


@router.get("/api/v1/streaming/user")
def user_stream(request: Request, db: DbSession, ctx: OptionalToken):
    return _sse(request, db, ctx, "user")


@router.get("/api/v1/streaming/user/notification")
def notification_stream(request: Request, db: DbSession, ctx: OptionalToken):
    return _sse(request, db, ctx, "user:notification")


@router.get("/api/v1/streaming/public")
def public_stream(request: Request, db: DbSession, ctx: OptionalToken, only_media: bool = False):
    return _sse(request, db, ctx, "public", only_media=only_media)


@router.get("/api/v1/streaming/public/local")
def local_stream(request: Request, db: DbSession, ctx: OptionalToken, only_media: bool = False):
    return _sse(request, db, ctx, "public:local", only_media=only_media)


@router.get("/api/v1/streaming/public/remote")
def remote_stream(request: Request, db: DbSession, ctx: OptionalToken, only_media: bool = False):
    return _sse(request, db, ctx, "public:remote", only_media=only_media)


@router.get("/api/v1/streaming/hashtag")
def hashtag_stream(request: Request, db: DbSession, ctx: OptionalToken, tag: str = ""):
    return _sse(request, db, ctx, "hashtag", tag=tag)


@router.get("/api/v1/streaming/hashtag/local")
def local_hashtag_stream(request: Request, db: DbSession, ctx: OptionalToken, tag: str = ""):
    return _sse(request, db, ctx, "hashtag:local", tag=tag)


@router.get("/api/v1/streaming/direct")
def direct_stream(request: Request, db: DbSession, ctx: OptionalToken):
    return _sse(request, db, ctx, "direct")


def _token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """The bearer secret, and the subprotocol to echo when it came as one."""
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), None
    if websocket.query_params.get("access_token"):
        return websocket.query_params["access_token"], None
    protocol = websocket.headers.get("sec-websocket-protocol", "").split(",")[0].strip()
    return (protocol or None), (protocol or None)


@router.websocket("/api/v1/streaming")
@router.websocket("/api/v1/streaming/")
async def websocket_stream(websocket: WebSocket):
    settings = websocket.app.state.settings
    secret, subprotocol = _token(websocket)
    try:
        viewer = await run_in_threadpool(authenticate, settings, secret)
    except StreamAuthError:
        await websocket.close(code=4001)
        return
    await websocket.accept(subprotocol=subprotocol)
    with StreamConnection(websocket.app.state.hub, viewer.account_id) as connection:
        if websocket.query_params.get("stream"):
            await _control(websocket, connection, {"type": "subscribe", **dict(websocket.query_params)})
        sender = asyncio.create_task(_send_events(websocket, connection, settings.stream_heartbeat_seconds))
        try:
            while True:
                raw = await websocket.receive_text()
                try:
                    message = json.loads(raw)
                except ValueError:
                    await websocket.send_json({"error": "Invalid JSON", "status": 400})
                    continue
                await _control(websocket, connection, message if isinstance(message, dict) else {})
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()


async def _control(websocket: WebSocket, connection: StreamConnection, message: dict) -> None:
    """A ``subscribe`` / ``unsubscribe`` message; anything wrong is answered with an error message."""
    kind, name = message.get("type"), message.get("stream")
    if kind not in ("subscribe", "unsubscribe") or not isinstance(name, str):
        await websocket.send_json({"error": "Unknown message type or missing stream", "status": 400})
        return
    try:
        stream = channels.resolve(name, connection.viewer_id, tag=message.get("tag"),
                                  only_media=str(message.get("only_media", "")).lower() in ("1", "true"))
    except StreamError as exc:
        await websocket.send_json({"error": str(exc), "status": exc.status, "stream": [name]})
        return
    (connection.subscribe if kind == "subscribe" else connection.unsubscribe)(stream)


async def _send_events(websocket: WebSocket, connection: StreamConnection, heartbeat: float) -> None:
    try:
        while True:
            item = await connection.next(heartbeat)
            if item is None:
                connection.heartbeat()
                continue
            stream, message = item
            await websocket.send_json({"stream": list(stream.label), "event": message["event"],
                                       "payload": message["payload"]})
    except (WebSocketDisconnect, RuntimeError):
        pass


@router.get("/api/v1/agora/presence")
def presence(request: Request, id: Annotated[list[int], Query(alias="id[]")] = [],
             account: Account = require("read:accounts")) -> list[dict]:
    ids = list(dict.fromkeys(id))[:100]
    online = request.app.state.hub.presence.online(ids)
    return [{"id": str(i), "online": i in online} for i in ids]
