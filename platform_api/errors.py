"""Mastodon-style errors: every failure is ``{"error": "..."}`` with a 4xx status, never a 500 page."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger("agora.api")


class ApiError(Exception):
    def __init__(self, status_code: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = headers


def not_found(what: str = "Record") -> ApiError:
    return ApiError(404, f"{what} not found")


def forbidden(message: str = "This action is not allowed") -> ApiError:
    return ApiError(403, message)


def unprocessable(message: str) -> ApiError:
    return ApiError(422, message)


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        location = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form"))
        parts.append(f"{location}: {err.get('msg')}" if location else str(err.get("msg")))
    return "Validation failed: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
        return JSONResponse({"error": exc.message}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError):
        return JSONResponse({"error": _describe_validation(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception):
        # Ids and counts beyond 64 bits pass ``int`` validation but no database column holds them
        # (SQLite raises OverflowError, PostgreSQL/MariaDB a DataError): the client's mistake.
        log.info("value_out_of_range", path=request.url.path, error=str(exc).splitlines()[0][:200])
        return JSONResponse({"error": "A number in the request is out of range"}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled_error", path=request.url.path)
        return JSONResponse({"error": "Internal error; it has been logged"}, status_code=500)
