"""Mastodon clients send parameters as a form, JSON or the query string, and lists as
``key[]``. ``request_params`` folds all of them into one dict for a Pydantic model."""

from __future__ import annotations

import json

from fastapi import Request
from pydantic import BaseModel, ValidationError

from platform_api.errors import ApiError, unprocessable


async def request_params(request: Request) -> dict:
    params: dict = {}

    def _put(key: str, value) -> None:
        if key.endswith("[]"):
            params.setdefault(key[:-2], []).append(value)
        else:
            params[key] = value

    for key, value in request.query_params.multi_items():
        _put(key, value)
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        raw = await request.body()
        if raw.strip():
            try:
                body = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ApiError(400, f"Malformed JSON body: {exc.msg}") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "The JSON body must be an object")
            params.update(body)
    elif "form" in content_type:
        form = await request.form()
        for key, value in form.multi_items():
            _put(key, value)
    if _has_nul(params):
        raise unprocessable("Text may not contain NUL characters (U+0000)")
    return params


def _has_nul(value) -> bool:
    """PostgreSQL cannot store U+0000 in text: refuse it here rather than fail at the database."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def parse(model: type[BaseModel], params: dict) -> BaseModel:
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise unprocessable(f"Validation failed: {problems}") from exc
