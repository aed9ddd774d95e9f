"""Instance metadata, as Mastodon clients (and Mastodon.py's version check) expect it."""

from __future__ import annotations

from fastapi import APIRouter

from platform_api import __version__
from platform_api.deps import AppSettings

router = APIRouter(tags=["instance"])

MASTODON_VERSION = f"4.3.0 (compatible; Agora {__version__})"
MASTODON_API_VERSION = 2


def _configuration(settings) -> dict:
    return {
        "urls": {"streaming": settings.api_url.replace("http", "ws", 1)},
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
        "statuses": {"max_characters": settings.max_status_chars, "max_media_attachments": 4,
                     "characters_reserved_per_url": 23},
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4",
                                     "video/webm"],
            "image_size_limit": settings.max_media_bytes, "image_matrix_limit": 16_777_216,
            "video_size_limit": settings.max_media_bytes * 4, "video_frame_rate_limit": 60,
            "video_matrix_limit": 2_304_000,
        },
        "polls": {"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300,
                  "max_expiration": 2_629_746},
        "translation": {"enabled": False},
    }


@router.get("/api/v1/instance")
@router.get("/api/v1/instance/", include_in_schema=False)
def instance_v1(settings: AppSettings) -> dict:
    return {
        "uri": settings.instance_domain,
        "title": settings.instance_title,
        "short_description": "An ML-centric social platform",
        "description": "Agora: ranked feeds, follow suggestions and moderation by trained models.",
        "email": f"admin@{settings.instance_domain}",
        "version": MASTODON_VERSION,
        "urls": {"streaming_api": settings.api_url.replace("http", "ws", 1)},
        "stats": {"user_count": 0, "status_count": 0, "domain_count": 1},
        "languages": ["en"],
        "registrations": settings.registrations_open,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": _configuration(settings),
        "contact_account": None,
        "rules": [],
        "thumbnail": None,
    }


@router.get("/api/v2/instance")
@router.get("/api/v2/instance/", include_in_schema=False)
def instance_v2(settings: AppSettings) -> dict:
    return {
        "domain": settings.instance_domain,
        "title": settings.instance_title,
        "version": MASTODON_VERSION,
        "source_url": "https://github.com/agora-social/agora",
        "description": "Agora: ranked feeds, follow suggestions and moderation by trained models.",
        "usage": {"users": {"active_month": 0}},
        "thumbnail": {"url": f"{settings.api_url}/web/static/thumbnail.png"},
        "languages": ["en"],
        "configuration": _configuration(settings),
        "registrations": {"enabled": settings.registrations_open, "approval_required": False, "message": None},
        "api_versions": {"mastodon": MASTODON_API_VERSION},
        "contact": {"email": f"admin@{settings.instance_domain}", "account": None},
        "rules": [],
    }


@router.get("/api/v1/custom_emojis")
def custom_emojis() -> list:
    return []
