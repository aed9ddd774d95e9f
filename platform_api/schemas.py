"""Input schemas validated at the edge. Output shapes live in ``serializers/``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Visibility = Literal["public", "unlisted", "private", "direct"]


class StatusCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: str = ""
    in_reply_to_id: int | None = None
    media_ids: list[int] = Field(default_factory=list)
    visibility: Visibility = "public"
    sensitive: bool = False
    spoiler_text: str = Field(default="", max_length=500)
    language: str | None = Field(default=None, max_length=16)


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: str = Field(min_length=1, max_length=30)
    email: str = Field(min_length=3, max_length=255)
    password: str = Field(min_length=8, max_length=256)
    agreement: bool = False
    locale: str = "en"
    reason: str | None = None
