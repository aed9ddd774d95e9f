"""Input schemas of the status verbs, media, stories, timelines and search (validated at the
edge like ``schemas.py``; output shapes live in ``serializers/``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator



class StatusEdit(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: str = ""
    spoiler_text: str = Field(default="", max_length=500)
    sensitive: bool = False
    language: str | None = Field(default=None, max_length=16)
    media_ids: list[int] | None = None


class ReblogParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    visibility: Literal["public", "unlisted", "private"] = "public"


class MediaUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    description: str | None = Field(default=None, max_length=1500)
    focus: str | None = None

    @field_validator("focus")
    @classmethod
    def _focus(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        try:
            x, y = (float(v) for v in value.split(","))
        except ValueError as exc:
            raise ValueError("focus must be two numbers 'x,y' between -1.0 and 1.0") from exc
        if not (-1 <= x <= 1 and -1 <= y <= 1):
            raise ValueError("focus must be two numbers 'x,y' between -1.0 and 1.0")
        return f"{x},{y}"


class StoryCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: str = ""
    media_ids: list[int] = Field(default_factory=list)
    sensitive: bool = False
    spoiler_text: str = Field(default="", max_length=500)


class SearchParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: str = Field(min_length=1, max_length=500)
    type: Literal["accounts", "hashtags", "statuses"] | None = None
    limit: int = Field(default=20, ge=1, le=40)
    offset: int = Field(default=0, ge=0, le=10_000)
    following: bool = False
    account_id: int | None = None
    resolve: bool = False
    exclude_unreviewed: bool = False
